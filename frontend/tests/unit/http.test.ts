import { afterEach, describe, expect, it, vi } from 'vitest'
import { request, setCsrfToken } from '@/api/http'

describe('request', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    document.cookie = 'csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT'
  })

  it('sends the CSRF cookie value on unsafe methods only', async () => {
    const fetch = vi.fn(async () => new Response('{}'))
    vi.stubGlobal('fetch', fetch)
    document.cookie = 'csrftoken=from-cookie'
    setCsrfToken('from-bootstrap')
    await request('POST', '/api/sync/', { changes: [] })
    await request('GET', '/api/channel')
    const [post, get] = fetch.mock.calls as unknown as [[string, RequestInit], [string, RequestInit]]
    expect(new Headers(post[1].headers).get('X-CSRFToken')).toBe('from-cookie')
    expect(post[1].credentials).toBe('same-origin')
    expect(new Headers(get[1].headers).has('X-CSRFToken')).toBe(false)
  })
})
