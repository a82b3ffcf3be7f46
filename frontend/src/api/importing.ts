/**
 * The "Import from channels" dialog's reads and saved-search writes (issue 15; the endpoints
 * are in docs/editor-api.md): node search across a list of channels, a channel's folders,
 * what a selection would copy, which picks the target channel already holds, and the
 * user's saved searches (read by REST, written as `savedsearch` changes). No Vue here.
 */
import { ChangeType } from '@/changes'
import type { ContentNode, NextPage, Page } from './nodes'
import { getJson } from './http'
import { describeErrors, sendChanges } from './sendChanges'
import type { Change } from './writes'

/** Which channels a search or a browse covers (the dialog's tabs). */
export type ChannelListName = 'edit' | 'bookmark' | 'view' | 'public'

export interface SearchParams {
  keywords: string
  channelList: ChannelListName
  kinds?: string[]
  licenses?: number[]
  channel?: string | null
  coach?: boolean
  hideFolders?: boolean
}

export const SEARCH_PAGE = 50

function nodeQuery(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(key, String(value))
  return `/api/contentnode?${search.toString()}`
}

/** The first page of matches (a channel filter narrows the list to that channel). */
export function searchNodes(params: SearchParams, more: NextPage = null): Promise<Page> {
  const query = more ?? {
    keywords: params.keywords.trim(),
    ...(params.channel ? { channel_id: params.channel } : { channel_list: params.channelList }),
    kinds: params.kinds?.length ? params.kinds.join(',') : null,
    licenses: params.licenses?.length ? params.licenses.join(',') : null,
    coach: params.coach ? 'true' : null,
    resources: params.hideFolders ? 'true' : null,
    max_results: SEARCH_PAGE,
  }
  return getJson<Page>(nodeQuery(query))
}

/** A channel's top level (its main tree root's children). */
export function fetchChannelTop(channelId: string, more: NextPage = null): Promise<Page> {
  return getJson<Page>(nodeQuery(more ?? { root_id: channelId, max_results: 100 }))
}

export interface SelectionSummary {
  nodes: number
  folders: number
  resources: number
  size: number
}

/** Folders, resources and bytes that importing `ids` copies (at most 100 per request). */
export async function fetchSelectionSummary(ids: string[]): Promise<SelectionSummary> {
  const total: SelectionSummary = { nodes: 0, folders: 0, resources: 0, size: 0 }
  for (let i = 0; i < ids.length; i += 100) {
    const part = await getJson<SelectionSummary>(`/api/contentnode/selection?ids=${ids.slice(i, i + 100).join(',')}`)
    total.nodes += part.nodes
    total.folders += part.folders
    total.resources += part.resources
    total.size += part.size // parts may share a file: an upper bound beyond 100 picks
  }
  return total
}

/** Which of `ids` the channel already holds (marked, never refused). */
export async function fetchAlreadyIn(channelId: string, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < ids.length; i += 100) {
    const part = await getJson<{ ids: string[] }>(
      `/api/contentnode/in_channel?channel=${encodeURIComponent(channelId)}&ids=${ids.slice(i, i + 100).join(',')}`,
    )
    for (const id of part.ids) found.add(id)
  }
  return found
}

// --- saved searches (spec 4.12) ----------------------------------------------------------------

export interface SavedSearch {
  id: string
  name: string
  created: string
  params: Partial<SearchParams>
}

export function fetchSavedSearches(): Promise<SavedSearch[]> {
  return getJson<SavedSearch[]>('/api/search/saved-search')
}

async function sendOne(change: Change): Promise<void> {
  const [outcome] = await sendChanges([change])
  if (outcome && (outcome.status === 'errored' || outcome.status === 'disallowed')) {
    throw new Error(describeErrors(outcome.errors) || outcome.status)
  }
}

export function saveSearch(search: { id: string; name: string; params: Partial<SearchParams> }, userId: number): Promise<void> {
  return sendOne({ type: ChangeType.CREATED, table: 'savedsearch', key: search.id, user_id: userId, obj: { ...search } })
}

export function deleteSavedSearch(id: string, userId: number): Promise<void> {
  return sendOne({ type: ChangeType.DELETED, table: 'savedsearch', key: id, user_id: userId })
}

export type { ContentNode }
