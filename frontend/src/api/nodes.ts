/**
 * Node reads for the channel editor (spec 4.2, `/api/contentnode`): one folder's children in
 * cursor pages (`max_results`, continued by `lft__gt`), a node's ancestors, nodes by id. No
 * Vue here; the nodes store keeps what these return. Writes are sync changes (stores/nodes.ts).
 */
import { getJson, HttpError } from './http'

export interface ContentNode {
  id: string
  title: string
  description: string
  kind: string
  parent: string | null
  lft: number
  complete: boolean | null
  changed: boolean
  published: boolean
  total_count: number
  resource_count: number
  error_count: number
  has_children: boolean
  has_new_descendants: boolean
  has_updated_descendants: boolean
  incomplete_reasons: string[]
  channel_id: string | null
  root_id: string | null
  [field: string]: unknown
}

/** A node as this browser knows it before the server has read it back (a folder just made,
 * a collaborator's CREATED): the server's defaults for what the change does not say. */
export function blankNode(fields: Partial<ContentNode> & { id: string }): ContentNode {
  return {
    title: '',
    description: '',
    kind: 'topic',
    parent: null,
    lft: 0,
    complete: null,
    changed: true,
    published: false,
    total_count: 0,
    resource_count: 0,
    error_count: 0,
    has_children: false,
    has_new_descendants: false,
    has_updated_descendants: false,
    incomplete_reasons: [],
    channel_id: null,
    root_id: null,
    ...fields,
  }
}

/** The query of the next page, as the server gives it (`more`); null after the last page. */
export type NextPage = Record<string, string | number | null> | null

export interface Page {
  results: ContentNode[]
  more: NextPage
}

/** The server's largest page. */
export const PAGE_SIZE = 100

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined) search.set(key, String(value))
  return `/api/contentnode?${search.toString()}`
}

/** The first page of `parentId`'s children (in tree order), or the page `more` names. */
export function fetchChildren(parentId: string, more: NextPage = null, options: { kind?: string } = {}): Promise<Page> {
  const params = more ?? { parent: parentId, max_results: PAGE_SIZE, kind: options.kind }
  return getJson<Page>(query(params))
}

/** The editor's first screen in one read (docs/editor-api.md): the channel, the folder's
 * ancestors (root first, the folder last), the sidebar's folders along that path, and the
 * folder's first page of children. `folderId` null: the channel's root. */
export interface EditorScreen {
  channel: { id: string; name: string; [field: string]: unknown }
  ancestors: ContentNode[]
  folders: ContentNode[]
  children: Page
}

export function fetchEditorScreen(channelId: string, folderId: string | null): Promise<EditorScreen> {
  const folder = folderId ? `&folder=${encodeURIComponent(folderId)}` : ''
  return getJson<EditorScreen>(`/api/channel/${encodeURIComponent(channelId)}/editor?max_results=${PAGE_SIZE}${folder}`)
}

/** Every child folder of `parentId` (all pages). */
export async function fetchSubfolders(parentId: string): Promise<ContentNode[]> {
  const found: ContentNode[] = []
  let more: NextPage = null
  do {
    const page: Page = await fetchChildren(parentId, more, { kind: 'topic' })
    found.push(...page.results)
    more = page.more
  } while (more)
  return found
}

/** The node and its ancestors, root first. */
export function fetchAncestors(id: string): Promise<ContentNode[]> {
  return getJson<ContentNode[]>(query({ ancestors_of: id }))
}

/** These nodes as the server has them now (unknown or gone ones are absent). */
export async function fetchNodes(ids: string[]): Promise<ContentNode[]> {
  const found: ContentNode[] = []
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    found.push(...(await getJson<ContentNode[]>(query({ id__in: ids.slice(i, i + PAGE_SIZE).join(',') }))))
  }
  return found
}

export async function fetchNode(id: string): Promise<ContentNode | null> {
  try {
    return await getJson<ContentNode>(`/api/contentnode/${encodeURIComponent(id)}`)
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null
    throw error
  }
}

/** A node of the user's clipboard (spec 4.7, `/api/clipboard`): a reference to a node of a
 * channel's main tree (`source_node_id` is that node's `node_id`, not its id). */
export interface ClipboardRow {
  id: string
  source_node_id: string
  source_channel_id: string
  parent: string | null
  lft: number
  extra_fields: Record<string, unknown>
}

/** The top-level nodes of the user's clipboard, oldest first. */
export function fetchClipboard(rootId: string): Promise<ClipboardRow[]> {
  return getJson<ClipboardRow[]>(`/api/clipboard?parent=${encodeURIComponent(rootId)}`)
}

/** The main-tree nodes named by (node_id, channel_id) pairs: what clipboard rows point at. */
export async function fetchBySource(pairs: { node_id: string; channel_id: string }[]): Promise<ContentNode[]> {
  const found: ContentNode[] = []
  for (let i = 0; i < pairs.length; i += 50) {
    const value = pairs
      .slice(i, i + 50)
      .flatMap((p) => [p.node_id, p.channel_id])
      .join(',')
    found.push(...(await getJson<ContentNode[]>(query({ _node_id_channel_id___in: value }))))
  }
  return found
}
