import { CLIENT_IP_HEADER } from '../platform/client-ip'
import { useDb } from '../platform/db'
import { useEnv } from '../platform/env'
import { sendInBackground } from '../platform/mailer'
import { describeDevice, deviceFingerprint } from '../sessions/devices'

/**
 * After a sign-in: if the user has signed in before but never from this device (browser, OS and
 * IP network, judged by their earlier sign-ins on record), email them a notice. Sent in the
 * background: a slow or failing mail server never delays or fails the sign-in.
 */
export async function noticeIfNewDevice(user: { id: string, email: string }, headers: Headers) {
  const userAgent = headers.get('user-agent')
  const ip = headers.get(CLIENT_IP_HEADER)
  const signIns = { userId: user.id, type: { in: ['sign_up', 'sign_in'] } }
  // The usual case, the very same browser and address as before, takes one indexed lookup.
  if (await useDb().auditEvent.findFirst({ where: { ...signIns, userAgent, ipAddress: ip }, select: { id: true } })) return
  const earlier = await useDb().auditEvent.findMany({
    where: signIns,
    select: { userAgent: true, ipAddress: true },
    distinct: ['userAgent', 'ipAddress'],
    orderBy: { createdAt: 'desc' },
    take: 200,
  })
  const current = deviceFingerprint(userAgent, ip)
  if (!earlier.length || earlier.some(e => deviceFingerprint(e.userAgent, e.ipAddress) === current)) return

  const { browser, os } = describeDevice(userAgent)
  const link = `${useEnv().BETTER_AUTH_URL}/account/sessions`
  sendInBackground({
    to: user.email,
    subject: `New sign-in from ${browser} on ${os}`,
    text: [
      `Your account was just signed in from a device we have not seen before:`,
      ``,
      `  ${browser} on ${os}, IP address ${ip ?? 'unknown'}, at ${new Date().toUTCString()}`,
      ``,
      `If this was you, there is nothing to do.`,
      `If not, sign that device out and change your password: ${link}`,
    ].join('\n'),
  }, 'new-device notice')
}
