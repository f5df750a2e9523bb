import { describe, expect, it } from 'vitest'
import { describeDevice } from '../../server/sessions/devices'

describe('describeDevice: how a session\'s device is named', () => {
  it.each([
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', { browser: 'Chrome 120', os: 'macOS Catalina', deviceType: 'desktop' }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', { browser: 'Safari 17', os: 'iOS 17.1', deviceType: 'mobile' }],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', { browser: 'Firefox 121', os: 'Windows 10', deviceType: 'desktop' }],
  ])('names %s', (userAgent, expected) => {
    expect(describeDevice(userAgent)).toEqual(expected)
  })

  it.each([null, undefined, '', '   '])('says "unknown" for a missing user agent (%j) instead of failing', (userAgent) => {
    expect(describeDevice(userAgent)).toEqual({ browser: 'Unknown browser', os: 'Unknown system', deviceType: 'unknown' })
  })
})
