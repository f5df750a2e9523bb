import { mountSuspended, registerEndpoint } from '@nuxt/test-utils/runtime'
import { flushPromises } from '@vue/test-utils'
import { readBody, setResponseStatus } from 'h3'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import LoginPage from '~/pages/login.vue'

const user = {
  id: 'u1', email: 'ada@example.com', name: 'Ada', emailVerified: false, image: null, role: 'user',
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
}
let signedIn = false
let signInCalls = 0
let release: () => void = () => {}

registerEndpoint('/api/session', () => ({ success: true, data: signedIn ? { user, session: { id: 's1', expiresAt: '2026-02-01T00:00:00.000Z' } } : null }))
registerEndpoint('/api/auth/sign-in/email', {
  method: 'POST',
  async handler(event) {
    signInCalls++
    const { password } = await readBody(event)
    await new Promise<void>((resolve) => {
      release = resolve
    })
    if (password !== 'right password') {
      // better-auth's own answer to a wrong password
      setResponseStatus(event, 401)
      return { code: 'INVALID_EMAIL_OR_PASSWORD', message: 'Invalid email or password' }
    }
    signedIn = true
    return { user }
  },
})

async function fill(wrapper: Awaited<ReturnType<typeof mountSuspended>>, email: string, password: string) {
  await wrapper.get('input[name="email"]').setValue(email)
  await wrapper.get('input[name="password"]').setValue(password)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

describe('the sign-in form', () => {
  beforeEach(() => {
    signedIn = false
    signInCalls = 0
  })

  it('shows field errors and sends nothing for invalid input', async () => {
    const wrapper = await mountSuspended(LoginPage)
    await fill(wrapper, 'not-an-email', '')
    expect(wrapper.text()).toContain('Enter a valid email address')
    expect(wrapper.text()).toContain('Enter your password')
    expect(wrapper.get('button[type="submit"]').text()).toBe('Sign in')
    expect(signInCalls).toBe(0)
  })

  it('is pending while the request runs, then says why it failed and can be sent again', async () => {
    const wrapper = await mountSuspended(LoginPage)
    await fill(wrapper, 'ada@example.com', 'wrong password')
    const button = wrapper.get('button[type="submit"]')
    expect(button.text()).toBe('Signing in…')
    expect(button.attributes('disabled')).toBeDefined()

    release()
    await flushPromises()
    await vi.waitFor(() => expect(wrapper.get('[role="alert"]').text()).toBe('Invalid email or password'))
    expect(button.text()).toBe('Sign in')
    expect(button.attributes('disabled')).toBeUndefined()
  })

  it('shows success and stays disabled once signed in', async () => {
    const wrapper = await mountSuspended(LoginPage)
    await fill(wrapper, 'ada@example.com', 'right password')
    release()
    await vi.waitFor(() => expect(wrapper.find('[role="status"]').text()).toContain('Signed in'))
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeDefined()
    expect(useAuth().user.value?.email).toBe('ada@example.com')
  })
})
