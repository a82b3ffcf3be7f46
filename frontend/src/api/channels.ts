/** REST reads of the channel list, sharing and user settings (spec 1.1, 4.1, 4.6-4.11). */
import { getJson, postJson } from './http'

export interface Channel {
  id: string
  name: string
  description: string
  thumbnail: string | null
  thumbnail_url: string | null
  thumbnail_encoding: { base64?: string } & Record<string, unknown>
  language: string | null
  primary_token: string | null
  modified: string | null
  count: number
  public: boolean
  version: number
  published: boolean
  publishing: boolean
  last_published: string | null
  content_defaults: Record<string, unknown>
  deleted: boolean
  edit: boolean
  view: boolean
  unpublished_changes: boolean
}

export type ChannelList = 'mine' | 'starred' | 'view-only'

const LIST_FILTERS: Record<ChannelList, string> = {
  mine: 'edit=true',
  starred: 'bookmark=true',
  'view-only': 'view=true',
}

/** One request for a whole list (no per-card requests). */
export function fetchChannels(list: ChannelList): Promise<Channel[]> {
  return getJson<Channel[]>(`/api/channel?${LIST_FILTERS[list]}&deleted=false&ordering=-modified`)
}

export function fetchChannel(id: string): Promise<Channel> {
  return getJson<Channel>(`/api/channel/${encodeURIComponent(id)}`)
}

export interface CatalogQuery {
  keywords?: string
  languages?: string[]
  licenses?: number[]
  kinds?: string[]
  page?: number
  pageSize?: number
}

export interface Page<T> {
  page: number
  count: number
  total_pages: number
  results: T[]
}

export function fetchCatalog(query: CatalogQuery): Promise<Page<Channel>> {
  const params = new URLSearchParams({ public: 'true', page_size: String(query.pageSize ?? 24), page: String(query.page ?? 1) })
  if (query.keywords?.trim()) params.set('keywords', query.keywords.trim())
  if (query.languages?.length) params.set('languages', query.languages.join(','))
  if (query.licenses?.length) params.set('licenses', query.licenses.join(','))
  if (query.kinds?.length) params.set('kinds', query.kinds.join(','))
  return getJson<Page<Channel>>(`/api/catalog?${params}`)
}

export async function fetchBookmarks(): Promise<Set<string>> {
  const rows = await getJson<{ channel: string }[]>('/api/bookmark')
  return new Set(rows.map((row) => row.channel))
}

export interface Invitation {
  id: string
  invited: number | null
  email: string
  accepted: boolean
  declined: boolean
  revoked: boolean
  first_name: string
  last_name: string | null
  sender_name: string
  channel: string
  share_mode: 'edit' | 'view'
  channel_name: string
}

/** Invitations addressed to me (any state: the caller keeps the pending ones). */
export function fetchMyInvitations(): Promise<Invitation[]> {
  return getJson<Invitation[]>('/api/invitation?invited=true')
}

export function fetchChannelInvitations(channelId: string): Promise<Invitation[]> {
  return getJson<Invitation[]>(`/api/invitation?channel=${encodeURIComponent(channelId)}`)
}

export interface ChannelUser {
  id: number
  email: string
  first_name: string
  last_name: string
  can_edit: boolean
  can_view: boolean
}

export function fetchChannelUsers(channelId: string): Promise<ChannelUser[]> {
  return getJson<ChannelUser[]>(`/api/channeluser?channel=${encodeURIComponent(channelId)}`)
}

export interface ChannelSet {
  id: string
  name: string
  description: string
  channels: Record<string, boolean>
  secret_token: string | null
  edit: boolean
}

export function fetchChannelSets(): Promise<ChannelSet[]> {
  return getJson<ChannelSet[]>('/api/channelset')
}

/** Published channels I can put in a collection (spec 4.8: only published ones count). */
export function fetchPublishedChannels(): Promise<Channel[]> {
  return getJson<Channel[]>('/api/channel?published=true&deleted=false&ordering=name')
}

// --- user settings -----------------------------------------------------------------------

export function fetchStorage(): Promise<{ used: number; quota: number }> {
  return getJson('/api/user/storage')
}

export async function fetchApiToken(): Promise<string> {
  return (await getJson<{ api_token: string }>('/api/deferred_user_api_token/')).api_token
}

export function updateFullName(firstName: string, lastName: string): Promise<unknown> {
  return postJson('/api/update_user_full_name/', { first_name: firstName, last_name: lastName })
}

/** The old password is sent too: the server is moving to Django's PasswordChangeForm
 * (which needs it); the current SetPasswordForm ignores it. */
export function changePassword(oldPassword: string, password1: string, password2: string): Promise<unknown> {
  return postJson('/api/change_password/', { old_password: oldPassword, new_password1: password1, new_password2: password2 })
}
