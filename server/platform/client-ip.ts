import { BlockList, isIP } from 'node:net'
import { getRequestHeader, type H3Event } from 'h3'

/** Set by us on every auth request, so a client cannot choose the IP stored on its session. */
export const CLIENT_IP_HEADER = 'x-session-client-ip'

/** Who may set X-Forwarded-For: nobody, the N proxies nearest to us, or proxies at these addresses. */
export type TrustedProxies = false | { hops: number } | { addresses: BlockList }

/** `false`, `true` (one proxy), a number of proxies, or addresses and CIDR ranges (`loopback`, `10.0.0.0/8`, `::1`). */
export function parseTrustedProxies(value: string): TrustedProxies | string {
  const v = value.trim().toLowerCase()
  if (['false', '0', 'off', ''].includes(v)) return false
  if (['true', 'on'].includes(v)) return { hops: 1 }
  if (/^\d+$/.test(v)) return Number(v) > 0 ? { hops: Number(v) } : false
  const addresses = new BlockList()
  for (const item of v.split(',').map(s => s.trim()).filter(Boolean)) {
    if (item === 'loopback') {
      addresses.addSubnet('127.0.0.0', 8, 'ipv4')
      addresses.addAddress('::1', 'ipv6')
      continue
    }
    const [address = '', bits] = item.split('/')
    const family = isIP(address)
    if (!family || (bits !== undefined && !/^\d+$/.test(bits))) return `"${item}" is not an IP address or range`
    if (bits === undefined) addresses.addAddress(address, family === 4 ? 'ipv4' : 'ipv6')
    else addresses.addSubnet(address, Number(bits), family === 4 ? 'ipv4' : 'ipv6')
  }
  return { addresses }
}

/**
 * One spelling per address: IPv4 clients of a dual-stack socket (::ffff:a.b.c.d) as a.b.c.d, and
 * IPv6 in its compressed lower-case form; anything else (a zone id `fe80::1%eth0` included) as ''.
 */
function plain(ip: string): string {
  const v4 = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
  if (isIP(v4) === 4) return v4
  if (isIP(v4) !== 6 || v4.includes('%')) return ''
  return new URL(`http://[${v4}]`).hostname.slice(1, -1)
}

function trusted(ip: string, addresses: BlockList): boolean {
  return addresses.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')
}

/**
 * The client's address: the socket's, or behind trusted proxies the nearest X-Forwarded-For entry
 * that is not one of them (a client can prepend whatever it likes, never append). Entries that
 * are not IP addresses are ignored.
 */
export function clientIp(event: H3Event, proxies: TrustedProxies): string | undefined {
  const socket = event.node.req.socket.remoteAddress ? plain(event.node.req.socket.remoteAddress) || undefined : undefined
  if (!proxies || !socket) return socket
  if ('addresses' in proxies && !trusted(socket, proxies.addresses)) return socket
  const forwarded = (getRequestHeader(event, 'x-forwarded-for') ?? '').split(',').map(s => plain(s.trim())).filter(Boolean)
  if (!forwarded.length) return socket
  if ('hops' in proxies) return forwarded[Math.max(0, forwarded.length - proxies.hops)]
  for (let i = forwarded.length - 1; i >= 0; i--) if (!trusted(forwarded[i]!, proxies.addresses)) return forwarded[i]
  return forwarded[0]
}
