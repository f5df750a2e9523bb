import { createServer, type Server, type Socket, connect } from 'node:net'

/**
 * A TCP proxy on loopback in front of a dependency (PostgreSQL, Redis), so a test can take the
 * dependency "down" (`stop`: refuse and cut every connection) and bring it back (`start`), or
 * `freeze` it: connections stay open and new ones are accepted, but nothing gets an answer, as
 * with a process that stopped or a database still starting, until `thaw`.
 */
export async function tcpProxy(targetPort: number, port = 0) {
  const sockets = new Set<Socket>()
  const held = new Set<Socket>()
  let server: Server | undefined
  let frozen = false
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const forward = (client: Socket) => {
    const upstream = connect(targetPort, '127.0.0.1')
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }
  const start = () => new Promise<number>((resolve, reject) => {
    server = createServer((client) => {
      track(client)
      if (frozen) {
        held.add(client)
        client.pause()
        return
      }
      forward(client)
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as { port: number }).port
      resolve(port)
    })
  })
  const stop = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    held.clear()
    if (!server) return resolve()
    server.close(() => resolve())
    server = undefined
  })
  const freeze = () => {
    frozen = true
    for (const socket of sockets) socket.pause()
  }
  const thaw = () => {
    frozen = false
    for (const socket of sockets) socket.resume()
    for (const client of held) {
      client.resume()
      forward(client)
    }
    held.clear()
  }
  return { port: await start(), start, stop, freeze, thaw }
}
