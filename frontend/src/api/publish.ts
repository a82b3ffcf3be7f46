/**
 * Publish, review and sync-report reads and the publish request (docs/review-api.md). No Vue
 * here: the publish dialog, the review page and the version history call these.
 */
import { getJson, postJson } from './http'
import type { ContentNode } from './nodes'

const base = (channelId: string) => `/api/channel/${encodeURIComponent(channelId)}`

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}

export interface PublishAccepted {
  task_id: string
  version: number
}

/** Queue a publish; `language` only when the channel has none yet. 400 names the field. */
export function requestPublish(channelId: string, versionNotes: string, language?: string): Promise<PublishAccepted> {
  const body: Record<string, string> = { version_notes: versionNotes }
  if (language) body.language = language
  return postJson<PublishAccepted>(`${base(channelId)}/publish`, body)
}

/** Ask a running job to stop at its next progress report. */
export function cancelTask(taskId: string): Promise<unknown> {
  return postJson(`/api/sync/tasks/${encodeURIComponent(taskId)}/cancel`, {})
}

/** The channel's incomplete resources (any depth), first `limit` in tree order. */
export async function fetchIncomplete(channelId: string, limit = 25): Promise<ContentNode[]> {
  const page = await getJson<{ results: ContentNode[] } | ContentNode[]>(
    `/api/contentnode${query({ channel_id: channelId, complete: 'false', max_results: limit })}`,
  )
  const rows = Array.isArray(page) ? page : page.results
  return rows.filter((row) => row.kind !== 'topic')
}

export type ChangeKind = 'added' | 'updated' | 'moved' | 'deleted'
export const CHANGE_KINDS: ChangeKind[] = ['added', 'updated', 'moved', 'deleted']

export interface ChangeCounts {
  total: number
  added: number
  updated: number
  moved: number
  deleted: number
}

export interface Actor {
  id: number
  name: string
  email?: string
}

export interface UnpublishedChange {
  id: string
  node_id: string
  title: string
  kind: string
  parent: string | null
  change: ChangeKind
  fields: string[]
  changed_by: Actor[]
  changed_at: string
  changes: number
}

export interface Paged<T> {
  page: number
  page_size: number
  total_pages: number
  count: number
  results: T[]
}

export interface UnpublishedChanges extends Paged<UnpublishedChange> {
  since_version: number | null
  counts: ChangeCounts
}

export function fetchUnpublishedCount(channelId: string): Promise<ChangeCounts> {
  return getJson<ChangeCounts>(`${base(channelId)}/unpublished_changes/count`)
}

export function fetchUnpublishedChanges(channelId: string, options: { change?: ChangeKind[]; page?: number; pageSize?: number } = {}) {
  return getJson<UnpublishedChanges>(
    `${base(channelId)}/unpublished_changes${query({ change: options.change?.join(','), page: options.page, page_size: options.pageSize })}`,
  )
}

export interface Version {
  version: number
  date_published: string
  version_notes: string
  resource_count: number
  size: number
  kind_count: { kind_id: string; count: number }[]
  included_languages: string[]
}

export function fetchVersions(channelId: string): Promise<Version[]> {
  return getJson<Version[]>(`${base(channelId)}/versions`)
}

export type DiffKind = 'added' | 'removed' | 'changed'
export const DIFF_KINDS: DiffKind[] = ['added', 'removed', 'changed']

export interface VersionDiffEntry {
  node_id: string
  id: string
  title: string
  kind: string
  parent_node_id: string | null
  change: DiffKind
  fields: string[]
}

export interface VersionDiff extends Paged<VersionDiffEntry> {
  from: number
  to: number
  counts: Record<DiffKind, number>
}

export function fetchVersionDiff(channelId: string, from: number, to: number, options: { change?: DiffKind[]; page?: number } = {}) {
  return getJson<VersionDiff>(`${base(channelId)}/version_diff${query({ from, to, change: options.change?.join(','), page: options.page })}`)
}

export interface SyncOptions {
  titles_and_descriptions: boolean
  resource_details: boolean
  files: boolean
  assessment_items: boolean
}

export interface SyncReport {
  id: string
  task_id: string
  started: string
  finished: string | null
  status: 'finished' | 'cancelled' | 'failed'
  options: SyncOptions
  imported: number
  synced: number
  skipped: number
  truncated: boolean
  nodes: { id: string; node_id: string; title: string; kind: string; parent: string | null; fields: string[] }[]
}

export function fetchSyncReports(channelId: string, limit = 10): Promise<SyncReport[]> {
  return getJson<SyncReport[]>(`${base(channelId)}/sync_reports${query({ limit })}`)
}

/** A job as the sync answer's `tasks` lists it. */
export interface Task {
  task_id: string
  task_name: string
  status: string
  progress?: number | null
  traceback?: string | null
  channel_id?: string | null
  [field: string]: unknown
}

export const PUBLISH_TASK = 'contentcuration.publish.tasks.publish_channel_task'

/** Whether any resource of the channel is in the channel's language (false when it has none). */
export async function fetchLanguageExists(channelId: string): Promise<boolean> {
  return (await getJson<{ exists: boolean }>(`${base(channelId)}/language_exists`)).exists
}

/** The languages the channel's resources use. */
export async function fetchChannelLanguages(channelId: string): Promise<string[]> {
  return (await getJson<{ languages: string[] }>(`${base(channelId)}/languages`)).languages
}
