/** The account endpoints (Studio's paths: each page of /accounts/... posts to its own path). */
import { request } from './http'

export type SignInResult = 'ok' | 'bad-credentials' | 'inactive'

export async function signIn(email: string, password: string): Promise<SignInResult> {
  const response = await request('POST', '/accounts/login/', { username: email, password })
  if (response.ok) return 'ok'
  if (response.status === 405) return 'inactive'
  if (response.status === 403) return 'bad-credentials'
  throw new Error(`Sign in failed: HTTP ${response.status}`)
}

export async function signOut(): Promise<void> {
  await request('POST', '/accounts/logout/')
}

export interface Registration {
  first_name: string
  last_name: string
  email: string
  password1: string
  password2: string
  policies: Record<string, string>
}

/** 'ok', 'email-taken', 'email-inactive', or the names of the fields the server refused. */
export type RegisterResult = 'ok' | 'email-taken' | 'email-inactive' | { fields: string[] }

export async function register(data: Registration): Promise<RegisterResult> {
  const response = await request('POST', '/accounts/register/', data)
  if (response.ok) return 'ok'
  if (response.status === 403) return 'email-taken'
  if (response.status === 405) return 'email-inactive'
  if (response.status === 400) return { fields: (await response.json()) as string[] }
  throw new Error(`Registration failed: HTTP ${response.status}`)
}

export async function requestActivationLink(email: string): Promise<void> {
  const response = await request('POST', '/accounts/request_activation_link/', { email })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
}

export async function requestPasswordReset(email: string): Promise<void> {
  const response = await request('POST', '/accounts/password/reset/', { email })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
}

/** null on success, else the server's messages per field (`link` for a bad or used link). */
export async function resetPassword(
  uid: string,
  token: string,
  password1: string,
  password2: string,
): Promise<Record<string, string[]> | null> {
  const response = await request('POST', `/accounts/password/reset/confirm/${uid}/${token}/`, {
    new_password1: password1,
    new_password2: password2,
  })
  if (response.ok) return null
  if (response.status === 400) return (await response.json()) as Record<string, string[]>
  throw new Error(`HTTP ${response.status}`)
}
