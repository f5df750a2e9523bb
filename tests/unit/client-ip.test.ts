import type { H3Event } from 'h3'
import { describe, expect, it } from 'vitest'
import { clientIp, parseTrustedProxies, type TrustedProxies } from '../../server/platform/client-ip'

/** A request as h3 sees it: from `socket`, with an X-Forwarded-For if given. */
const from = (socket: string, forwarded?: string) => ({
  node: { req: { socket: { remoteAddress: socket }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } } },
}) as unknown as H3Event

const proxies = (value: string) => parseTrustedProxies(value) as TrustedProxies

describe('the client address behind trusted proxies', () => {
  it('without TRUST_PROXY, the socket is the client, whatever X-Forwarded-For says', () => {
    expect(clientIp(from('203.0.113.9', '6.6.6.6'), proxies('false'))).toBe('203.0.113.9')
  })

  it('one proxy (TRUST_PROXY=true or 1): the entry that proxy appended, never one the client prepended', () => {
    for (const value of ['true', '1']) {
      expect(clientIp(from('127.0.0.1', '203.0.113.9'), proxies(value))).toBe('203.0.113.9')
      expect(clientIp(from('127.0.0.1', '6.6.6.6, 203.0.113.9'), proxies(value))).toBe('203.0.113.9')
    }
  })

  it('two proxies: the second entry from the right', () => {
    expect(clientIp(from('10.0.0.2', '6.6.6.6, 203.0.113.9, 10.0.0.1'), proxies('2'))).toBe('203.0.113.9')
  })

  it('a list of proxies: the nearest entry that is not one of them', () => {
    const trusted = proxies('loopback, 10.0.0.0/8')
    expect(clientIp(from('127.0.0.1', '6.6.6.6, 203.0.113.9, 10.1.2.3'), trusted)).toBe('203.0.113.9')
    // A socket that is not a trusted proxy is the client itself.
    expect(clientIp(from('198.51.100.7', '6.6.6.6'), trusted)).toBe('198.51.100.7')
    expect(clientIp(from('::ffff:127.0.0.1', '2001:db8::1'), trusted)).toBe('2001:db8::1')
  })

  it('ignores entries that are not IP addresses, so free text never reaches the audit log or a mail', () => {
    expect(clientIp(from('127.0.0.1', 'SUPPORT-NOTICE: call +1-555-0100'), proxies('1'))).toBe('127.0.0.1')
    expect(clientIp(from('127.0.0.1', '203.0.113.9, <script>'), proxies('loopback'))).toBe('203.0.113.9')
    // Node's isIP takes any text after an IPv6 zone id's %.
    expect(clientIp(from('127.0.0.1', 'fe80::1%evil.example.com'), proxies('1'))).toBe('127.0.0.1')
  })

  it('gives one address one spelling, so a limit cannot be dodged by writing it another way', () => {
    expect(clientIp(from('127.0.0.1', '2001:DB8:0:0::1'), proxies('1'))).toBe('2001:db8::1')
    expect(clientIp(from('127.0.0.1', '2001:db8:0000:0000:0000:0000:0000:0001'), proxies('1'))).toBe('2001:db8::1')
  })

  it('dual-stack IPv4 sockets read as plain IPv4', () => {
    expect(clientIp(from('::ffff:203.0.113.9'), proxies('false'))).toBe('203.0.113.9')
  })

  it('refuses a setting that names no proxy clearly', () => {
    expect(parseTrustedProxies('yes please')).toMatch(/not an IP address/)
    expect(parseTrustedProxies('10.0.0.0/x')).toMatch(/not an IP address/)
  })
})
