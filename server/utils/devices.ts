import Bowser from 'bowser'

/** Browser, operating system and kind of device named from a User-Agent, so people recognise their sessions. */
export function describeDevice(userAgent: string | null | undefined) {
  const { browser, os, platform } = Bowser.parse(userAgent ?? '')
  const major = browser.version?.split('.')[0]
  return {
    browser: browser.name ? [browser.name, major].filter(Boolean).join(' ') : 'Unknown browser',
    os: os.name ? [os.name, os.versionName ?? os.version].filter(Boolean).join(' ') : 'Unknown system',
    deviceType: (platform.type ?? 'unknown') as 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot' | 'unknown',
  }
}
