import Bowser from 'bowser'
import { useDb } from '../platform/db'

/** Browser, operating system and kind of device named from a User-Agent, so people recognise their sessions. */
export function describeDevice(userAgent: string | null | undefined) {
  // Bowser throws on an empty string; requests without a User-Agent (scripts, the CLI) have none.
  const { browser, os, platform } = userAgent?.trim() ? Bowser.parse(userAgent) : { browser: {}, os: {}, platform: {} } as Bowser.Parser.ParsedResult
  const major = browser.version?.split('.')[0]
  return {
    browser: browser.name ? [browser.name, major].filter(Boolean).join(' ') : 'Unknown browser',
    os: os.name ? [os.name, os.versionName ?? os.version].filter(Boolean).join(' ') : 'Unknown system',
    deviceType: (platform.type ?? 'unknown') as 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown',
  }
}

/** The network an IP belongs to (/24 for IPv4, /48 for IPv6): a phone moving within one network stays one device. */
export function ipNetwork(ip: string | null | undefined): string {
  if (!ip) return '?'
  if (ip.includes('.')) return ip.split('.').slice(0, 3).join('.')
  return ip.toLowerCase().split(':').slice(0, 3).join(':')
}

/** What makes a device "seen before": browser and OS names (not versions) and the IP's network. */
export function deviceFingerprint(userAgent: string | null | undefined, ip: string | null | undefined): string {
  const parsed = userAgent?.trim() ? Bowser.parse(userAgent) : undefined
  return [parsed?.browser.name ?? '?', parsed?.os.name ?? '?', ipNetwork(ip)].join('|')
}

/** A user's live sessions as people see them (by id, never by token): `currentId` first, then the most recently active. */
export async function listDeviceSessions(userId: string, currentId?: string) {
  const rows = await useDb().session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    orderBy: { updatedAt: 'desc' },
  })
  return rows.map(row => ({
    id: row.id,
    ...describeDevice(row.userAgent),
    ipAddress: row.ipAddress,
    createdAt: row.createdAt,
    lastActiveAt: row.updatedAt,
    expiresAt: row.expiresAt,
    current: row.id === currentId,
  })).sort((a, b) => Number(b.current) - Number(a.current))
}
