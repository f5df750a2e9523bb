import { createServer, type Server, type Socket, connect } from 'node:net'

/**
 * A TCP proxy on loopback in front of a dependency (PostgreSQL, Redis), so a test can take the
 * dependency "down" (`stop`: refuse and cut every connection) and bring it back (`start`).
 */
export async function tcpProxy(targetPort: number, port = 0) {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const start = () => new Promise<number>((resolve, reject) => {
    server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as { port: number }).port
      resolve(port)
    })
  })
  const stop = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    if (!server) return resolve()
    server.close(() => resolve())
    server = undefined
  })
  return { port: await start(), start, stop }
}
