/**
 * What the server tells the app at start: the signed-in user (with `user_rev`), the CSRF
 * token, the channel's `server_rev` on a channel page, and where the reference data lives.
 * The Django shell inlines it; under `make dev` (Vite serves the HTML) it is fetched.
 */
import { getJson, setCsrfToken } from './http'

export interface CurrentUser {
  id: number
  email: string
  first_name: string
  last_name: string
  is_admin: boolean
  user_rev: number
  /** the root of the user's clipboard tree (`/api/clipboard?parent=`), null before its first use */
  clipboard_tree_id?: string | null
}

export interface Bootstrap {
  user: CurrentUser | null
  csrf_token: string
  /** The channel's highest applied server_rev when the page is a channel's, else null. */
  channel_rev: number | null
  channel_id: string | null
  require_email_activation: boolean
  reference_url: string
}

export function readInlineBootstrap(doc: Document = document): Bootstrap | null {
  const element = doc.getElementById('bootstrap')
  if (!element?.textContent) return null
  return JSON.parse(element.textContent) as Bootstrap
}

export async function loadBootstrap(path: string = window.location.pathname): Promise<Bootstrap> {
  const bootstrap = readInlineBootstrap() ?? (await getJson<Bootstrap>(`/api/bootstrap?path=${encodeURIComponent(path)}`))
  setCsrfToken(bootstrap.csrf_token)
  return bootstrap
}
