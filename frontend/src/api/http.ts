/**
 * Fetch wrapper for the server: same-origin session cookies, and Django's CSRF token on every
 * unsafe request, exactly as a curator's browser sends them (no test-only bypass).
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`)
  }
}

let fallbackCsrfToken = ''

/** The bootstrap's token, used only when the cookie is unreadable. */
export function setCsrfToken(token: string): void {
  fallbackCsrfToken = token
}

/** Django rotates the token at sign-in, so the cookie is read on every request. */
export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return match?.[1] ? decodeURIComponent(match[1]) : fallbackCsrfToken
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export async function request(method: string, url: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  headers.set('Accept', 'application/json')
  if (body !== undefined) headers.set('Content-Type', 'application/json')
  if (!SAFE_METHODS.has(method.toUpperCase())) headers.set('X-CSRFToken', csrfToken())
  return fetch(url, {
    ...init,
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

async function parse(response: Response): Promise<unknown> {
  const type = response.headers.get('Content-Type') ?? ''
  if (type.includes('application/json')) return response.json()
  return response.text()
}

/** GET a JSON document; throws HttpError for any non-2xx answer. */
export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await request('GET', url, undefined, init)
  const body = await parse(response)
  if (!response.ok) throw new HttpError(response.status, body)
  return body as T
}

/** POST JSON; throws HttpError for any non-2xx answer. */
export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await request('POST', url, body)
  const parsed = await parse(response)
  if (!response.ok) throw new HttpError(response.status, parsed)
  return parsed as T
}
