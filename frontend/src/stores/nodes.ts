/**
 * The channel editor's nodes: the server's copies (REST reads, api/nodes.ts) with this
 * browser's unsaved changes on top, kept current by the save engine's feed.
 *
 * - `byId`: every node read so far (objects replaced, never mutated, so the store stays
 *   cheap with 5,000 rows: `shallowReactive`).
 * - `folders[id]`: the loaded children of a folder in tree order, loaded a page (100) at a
 *   time; `more` is the server's next page, null once all are here.
 * - `subfolders[id]`: the child folders, for the tree sidebar (all of them, `kind=topic`).
 *
 * Every write is a change handed to the save engine's outbox (`enqueue`), shown at once;
 * collaborators' changes and the server's echoes (new node ids, `complete`) arrive through
 * `subscribe` and are applied with this browser's pending changes kept on top, so a field
 * being typed in is never overwritten by an older value.
 *
 * Copies (COPIED changes) show at once as placeholder rows: a node object carrying the
 * spec's UI-only keys `__COPYING_STATUS` ('COPYING' → 'SUCCESS' | 'FAILED'), `__TASK_ID` (the
 * copy job, when it runs as one) and ours, `__COPY_ERROR` (why it failed). The server's echo
 * for the new id updates them through the feed like any other field; on SUCCESS the node is
 * read back, which replaces the placeholder with the server's row. stores/copies.ts drives
 * copies (start, Retry, dismiss) and reads their progress.
 */
import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import {
  blankNode,
  fetchAncestors,
  fetchChildren,
  fetchEditorScreen,
  fetchNode,
  fetchNodes,
  fetchSubfolders,
  type ContentNode,
  type EditorScreen,
  type NextPage,
} from '@/api/nodes'
import { useEngine, type FeedChange } from '@/api/sync'
import { newId } from '@/api/writes'
import { applyMods, ChangeType, copied, created, deleted, moved, updated, updatedDescendants, type Change, type Mods, type Position } from '@/changes'
import { parentFor, place, restorePlan } from './nodeOrder'

export type { ContentNode } from '@/api/nodes'

/** One MOVED that puts a node back (undo of a delete). */
export interface Placement {
  id: string
  target: string
  position: Position
}

export interface FolderState {
  ids: string[]
  more: NextPage
  /** the first page is here */
  loaded: boolean
  loading: boolean
  /** a structural change happened since the last page: the cursor's `lft` may be stale */
  shifted: boolean
}

const REFRESH_DELAY = 300
const KEEPS_COUNTS = new Set(['title', 'description'])

/** Whether a feed change leaves the node's server-computed fields (counts, markers, the
 * verdict's reasons) as they are once applied, so it need not be read again: title or
 * description only, or the server's verdict echo, which carries `incomplete_reasons` with
 * `complete` (a 500-node bulk edit's echoes would otherwise re-read 500 nodes). */
function needsNoRead(mods: Mods): boolean {
  const paths = Object.keys(mods)
  if ('complete' in mods && !('incomplete_reasons' in mods)) return false
  return paths.every((path) => KEEPS_COUNTS.has(path) || path === 'complete' || path === 'incomplete_reasons')
}

/** The same values field by field (nested values compared as JSON). */
function sameNode(a: ContentNode, b: ContentNode): boolean {
  const keys = Object.keys(b) as (keyof ContentNode)[]
  if (Object.keys(a).length !== keys.length) return false
  return keys.every((key) => {
    const x = a[key]
    const y = b[key]
    if (x === y) return true
    return typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y)
  })
}

/** UI-only keys of a copy's placeholder (spec 2.5; `__COPY_ERROR` is ours). */
export const COPYING_STATUS = '__COPYING_STATUS'
export const TASK_ID = '__TASK_ID'
export const COPY_ERROR = '__COPY_ERROR'
export type CopyingStatus = 'COPYING' | 'SUCCESS' | 'FAILED'

/** A copy to make: `source` (a node row, from this channel or another) copied to `target` +
 * `position` as the node `key`. */
export interface CopyRequest {
  key: string
  source: ContentNode
  target: string
  position: Position
  mods?: Mods
  excludedDescendants?: Record<string, boolean> | null
}

/** Whether a node is a copy still on its way or failed (not a node of the server yet). */
export function copyingStatus(node: ContentNode | undefined): CopyingStatus | null {
  const status = node?.[COPYING_STATUS]
  return status === 'COPYING' || status === 'FAILED' ? status : null
}

export const useNodesStore = defineStore('nodes', () => {
  const byId = shallowReactive<Record<string, ContentNode>>({})
  const folders = shallowReactive<Record<string, FolderState>>({})
  const subfolders = shallowReactive<Record<string, string[]>>({})
  let channelId: string | null = null
  let connected = false
  const toRefresh = new Set<string>()
  let refreshTimer: ReturnType<typeof setTimeout> | undefined

  // ---- reading -------------------------------------------------------------------------

  function connect(): void {
    if (connected) return
    connected = true
    const engine = useEngine()
    engine.registerReader('contentnode', (key) => fetchNode(String(key)))
    engine.subscribe((event) => {
      if (event.type === 'changes') void applyFeed(event.changes.filter((c) => c.table === 'contentnode'))
    })
  }

  /** Start on a channel: forget another channel's nodes. */
  function useChannel(id: string): void {
    connect()
    if (channelId === id) return
    channelId = id
    for (const key of Object.keys(byId)) delete byId[key]
    for (const key of Object.keys(folders)) delete folders[key]
    for (const key of Object.keys(subfolders)) delete subfolders[key]
  }

  /** This browser's unsaved UPDATEDs of these nodes, folded per node. */
  async function localMods(ids: string[]): Promise<Map<string, Mods>> {
    const mods = new Map<string, Mods>()
    if (!ids.length) return mods
    for (const change of await useEngine().localChanges('contentnode', ids)) {
      if (change.type === ChangeType.UPDATED && change.mods) mods.set(String(change.key), { ...mods.get(String(change.key)), ...change.mods })
    }
    return mods
  }

  /** Keep server copies, with this browser's unsaved changes to them on top. A node read
   * again unchanged keeps its object, so what shows it is not rendered again (a folder's
   * pages re-read its sub-folders, which the folder tree shows). */
  async function put(nodes: ContentNode[]): Promise<void> {
    if (!nodes.length) return
    const mods = await localMods(nodes.map((n) => n.id))
    for (const node of nodes) {
      const own = mods.get(node.id)
      const next = own ? applyMods(node, own) : node
      const known = byId[node.id]
      if (!known || !sameNode(known, next)) byId[node.id] = next
    }
  }

  function folder(id: string): FolderState {
    let state = folders[id]
    if (!state) {
      state = { ids: [], more: null, loaded: false, loading: false, shifted: false }
      folders[id] = state
    }
    return state
  }

  function setFolder(id: string, patch: Partial<FolderState>): void {
    folders[id] = { ...folder(id), ...patch }
  }

  /** The first page of a folder's children (once; `reload` to read it again). */
  async function openFolder(id: string, reload = false): Promise<void> {
    const state = folder(id)
    if ((state.loaded && !reload) || state.loading) return
    setFolder(id, { loading: true })
    try {
      const page = await fetchChildren(id)
      await put(page.results)
      const ids = page.results.map((n) => n.id)
      setFolder(id, { ids: page.more ? ids : await withLocal(id, ids), more: page.more, loaded: true, shifted: false })
    } finally {
      setFolder(id, { loading: false })
    }
  }

  /** The next page of a folder's children (scrolling). */
  async function loadMore(id: string): Promise<void> {
    const state = folder(id)
    if (!state.more || state.loading) return
    setFolder(id, { loading: true })
    try {
      let more = state.more
      if (state.shifted && state.ids.length) {
        // Moves renumber the tree: continue after where the last loaded child is now.
        const last = (await fetchNodes([state.ids[state.ids.length - 1]!]))[0]
        if (last) more = { ...more, lft__gt: last.lft }
      }
      const page = await fetchChildren(id, more)
      await put(page.results)
      const known = new Set(folder(id).ids)
      const ids = [...folder(id).ids, ...page.results.map((n) => n.id).filter((n) => !known.has(n))]
      setFolder(id, { ids: page.more ? ids : await withLocal(id, ids), more: page.more, shifted: false })
    } finally {
      setFolder(id, { loading: false })
    }
  }

  /** The editor's first screen in one read: the folder's path, the sidebar's folders along
   * it and the folder's first page. Returns the channel's row. */
  async function openScreen(channel: string, folderId: string | null): Promise<EditorScreen['channel']> {
    const screen = await fetchEditorScreen(channel, folderId)
    const { ancestors, folders: sidebar, children } = screen
    await put([...ancestors, ...sidebar, ...children.results])
    ancestors.forEach((ancestor, index) => {
      const next = ancestors[index + 1]
      const inside = [...sidebar.filter((f) => f.parent === ancestor.id), ...(next ? [next] : [])]
      subfolders[ancestor.id] = inside.sort((a, b) => a.lft - b.lft).map((f) => f.id)
    })
    const folder = ancestors[ancestors.length - 1]
    if (folder) {
      const ids = children.results.map((n) => n.id)
      const all = children.more ? ids : await withLocal(folder.id, ids)
      setFolder(folder.id, { ids: all, more: children.more, loaded: true, loading: false, shifted: false })
    }
    return screen.channel
  }

  /** All the children of `parent` (`known`: the server's, every page) with what this browser
   * created or copied there that the server does not have yet: new nodes last, copies as
   * "copying" placeholders where they go (beside their anchor, else last). */
  async function withLocal(parent: string, known: string[]): Promise<string[]> {
    let ids = [...known]
    const seen = new Set(known)
    const fresh: ContentNode[] = []
    for (const change of await useEngine().localChanges('contentnode')) {
      const key = String(change.key)
      if (seen.has(key)) continue
      if (change.type === ChangeType.CREATED && change.obj?.parent === parent) {
        fresh.push(localNode(change.obj as Partial<ContentNode> & { id: string }))
        ids.push(key)
      } else if (change.type === ChangeType.COPIED && change.target) {
        const position = change.position ?? 'last-child'
        if (parentFor(change.target, position, (other) => byId[other]?.parent) !== parent) continue
        fresh.push(placeholder(key, byId[change.from_key ?? ''] ?? null, parent))
        ids = place(ids, key, change.target, position, true) ?? [...ids, key]
      } else continue
      seen.add(key)
    }
    await put(fresh)
    return ids
  }

  /** A node and its ancestors (root first) into `byId`; returns their ids. */
  async function loadAncestors(id: string): Promise<string[]> {
    const nodes = await fetchAncestors(id)
    await put(nodes)
    return nodes.map((n) => n.id)
  }

  /** The ids from the root down to `id`, from what is loaded. */
  function pathTo(id: string): string[] {
    const path: string[] = []
    let current: string | null | undefined = id
    while (current && byId[current] && path.length < 100) {
      path.unshift(current)
      current = byId[current]!.parent
    }
    return path
  }

  /** Whether `target` is one of `ids` or inside one of them (a move there is refused). */
  function isWithin(target: string, ids: readonly string[]): boolean {
    return pathTo(target).some((id) => ids.includes(id)) || ids.includes(target)
  }

  async function loadSubfolders(id: string, reload = false): Promise<void> {
    if (subfolders[id] && !reload) return
    const found = await fetchSubfolders(id)
    await put(found)
    subfolders[id] = found.map((n) => n.id)
  }

  async function loadNode(id: string): Promise<ContentNode | null> {
    const node = await fetchNode(id)
    if (node) await put([node])
    return byId[id] ?? null
  }

  // ---- writing -------------------------------------------------------------------------

  function scope() {
    return { channel_id: channelId }
  }

  function localNode(fields: Partial<ContentNode> & { id: string }): ContentNode {
    return blankNode({ channel_id: channelId, ...fields })
  }

  /** A new folder, last child of `parentId`: shown at once, then created on the server.
   * `fields`: more values for it (the channel's content defaults). */
  async function createFolder(parentId: string, title: string, fields: Partial<ContentNode> = {}): Promise<string> {
    const id = newId()
    const obj = { ...fields, id, title, description: '', kind: 'topic', parent: parentId }
    byId[id] = localNode(obj)
    const state = folder(parentId)
    if (state.loaded && !state.more) setFolder(parentId, { ids: [...state.ids, id] })
    if (subfolders[parentId]) subfolders[parentId] = [...subfolders[parentId]!, id]
    const parent = byId[parentId]
    if (parent) byId[parentId] = { ...parent, has_children: true, total_count: parent.total_count + 1 }
    await useEngine().enqueue(created('contentnode', obj, scope()))
    return id
  }

  /** A new resource (any kind), last child of `parentId`: shown at once, then created. */
  async function createNode(parentId: string, fields: Record<string, unknown> & { title: string; kind: string }): Promise<string> {
    const id = newId()
    const obj = { description: '', ...fields, id, parent: parentId }
    byId[id] = localNode(obj as Partial<ContentNode> & { id: string })
    const state = folder(parentId)
    if (state.loaded && !state.more) setFolder(parentId, { ids: [...state.ids, id] })
    const parent = byId[parentId]
    if (parent) byId[parentId] = { ...parent, has_children: true, total_count: parent.total_count + 1 }
    await useEngine().enqueue(created('contentnode', obj, scope()))
    return id
  }

  /** New resources, last children of `parentId` in this order, shown at once; their CREATED
   * changes and then `after` (e.g. the file attachments) go to the outbox in one transaction,
   * so the server gets the creations together and the attachments together (each run applied
   * in one go: benchmarks/frontend_uploads.py). Resolves with their ids once queued. */
  async function createNodes(parentId: string, fieldsList: (Record<string, unknown> & { title: string; kind: string })[], after: (ids: string[]) => Change[] = () => []): Promise<string[]> {
    const objs = fieldsList.map((fields) => ({ description: '', ...fields, id: newId(), parent: parentId }))
    for (const obj of objs) byId[obj.id] = localNode(obj as Partial<ContentNode> & { id: string })
    const ids = objs.map((o) => o.id)
    const state = folder(parentId)
    if (state.loaded && !state.more) setFolder(parentId, { ids: [...state.ids, ...ids] })
    const parent = byId[parentId]
    if (parent) byId[parentId] = { ...parent, has_children: true, total_count: parent.total_count + objs.length }
    await useEngine().enqueueMany([...objs.map((obj) => created('contentnode', obj, scope())), ...after(ids)])
    return ids
  }

  /** The row shown for a copy until the server has it: the source's look, marked copying. */
  function placeholder(key: string, source: ContentNode | null, parent: string | null): ContentNode {
    return localNode({
      ...(source ?? {}),
      id: key,
      parent,
      lft: 0,
      changed: true,
      published: false,
      has_new_descendants: (source?.total_count ?? 0) > 0,
      has_updated_descendants: false,
      channel_id: channelId,
      root_id: null,
      node_id: undefined,
      [COPYING_STATUS]: 'COPYING',
      [TASK_ID]: null,
      [COPY_ERROR]: null,
    })
  }

  /** Copies (COPIED changes, queued in one outbox transaction, in this order): each shows at
   * once where it goes as a "copying" placeholder (`copyingStatus`). Use stores/copies.ts,
   * which also orders several copies and offers Retry. */
  async function copyNodes(requests: readonly CopyRequest[]): Promise<void> {
    if (!requests.length) return
    for (const request of requests) {
      byId[request.key] = placeholder(request.key, request.source, null)
      placeLocally(request.key, request.target, request.position)
    }
    await useEngine().enqueueMany(requests.map((request) => copyChange(request)))
  }

  function copyChange(request: CopyRequest) {
    const { key, source, target, position } = request
    return copied(key, source.id, target, position, scope(), { mods: request.mods, excludedDescendants: request.excludedDescendants })
  }

  /** Change a copy placeholder's UI state (copying again after Retry, failed with a reason). */
  function setCopyState(id: string, status: CopyingStatus, error: string | null = null): void {
    const node = byId[id]
    if (node) byId[id] = { ...node, [COPYING_STATUS]: status, [COPY_ERROR]: error, ...(status === 'COPYING' ? { [TASK_ID]: null } : {}) }
  }

  /** Take a failed copy's placeholder away (the curator dismissed it). */
  function forgetCopy(id: string): void {
    if (!copyingStatus(byId[id])) return
    removeLocally(id)
    delete byId[id]
  }

  /** A node with this browser's edit applied, marked changed as the server marks it (the
   * row's "Updated" marker shows at once; the update echo carries only the verdict). */
  function edited(node: ContentNode, mods: Mods): ContentNode {
    return { ...applyMods(node, mods), changed: true }
  }

  async function updateNode(id: string, mods: Mods): Promise<void> {
    const node = byId[id]
    if (node) byId[id] = edited(node, mods)
    await useEngine().enqueue(updated('contentnode', id, mods, scope()))
  }

  /** The same edit of many nodes (a bulk edit): shown at once, queued in one outbox
   * transaction as one UPDATED per node (the engine sends them 100 per request). */
  async function updateNodes(ids: readonly string[], mods: Mods): Promise<void> {
    if (!ids.length || !Object.keys(mods).length) return
    for (const id of ids) {
      const node = byId[id]
      if (node) byId[id] = edited(node, mods)
    }
    await useEngine().enqueueMany(ids.map((id) => updated('contentnode', id, mods, scope())))
  }

  /** Apply `mods` to a folder and every node under it: ONE UPDATED_DESCENDANTS change. The
   * loaded nodes under it show it at once. */
  async function updateDescendants(folderId: string, mods: Mods): Promise<void> {
    for (const node of Object.values(byId)) {
      if (node.id === folderId || pathTo(node.id).includes(folderId)) byId[node.id] = applyMods(node, mods)
    }
    await useEngine().enqueue(updatedDescendants(folderId, mods, scope()))
  }

  /** Move a node (a MOVED change): shown at once where it goes. */
  async function moveNode(id: string, target: string, position: Position): Promise<void> {
    placeLocally(id, target, position)
    await useEngine().enqueue(moved(id, target, position, scope()))
  }

  /** Many moves, in order, queued in one outbox transaction (a sort, an undo): shown at once. */
  async function moveMany(plan: readonly Placement[]): Promise<void> {
    if (!plan.length) return
    if (!reorderLocally(plan)) for (const step of plan) placeLocally(step.id, step.target, step.position)
    await useEngine().enqueueMany(plan.map((step) => moved(step.id, step.target, step.position, scope())))
  }

  /** Moves that all stay inside one fully loaded folder (a sort, its undo): the new order
   * worked out on a plain list and set once. False when the plan is not such a reorder. */
  function reorderLocally(plan: readonly Placement[]): boolean {
    const parent = byId[plan[0]!.id]?.parent
    const state = parent ? folders[parent] : undefined
    if (!parent || !state?.loaded || state.more || plan.length < 2) return false
    const parentOf = (other: string) => byId[other]?.parent
    if (!plan.every((step) => parentOf(step.id) === parent && parentFor(step.target, step.position, parentOf) === parent)) return false
    let ids: string[] | null = state.ids
    for (const step of plan) {
      ids = place(ids, step.id, step.target, step.position, true)
      if (!ids) return false
    }
    setFolder(parent, { ids, shifted: true })
    const inTree = subfolders[parent]
    if (inTree) {
      const folderIds = new Set(inTree)
      subfolders[parent] = ids.filter((id) => folderIds.has(id))
    }
    scheduleRefresh([parent])
    return true
  }

  /** The moves that would put these nodes back where they are now (from the loaded lists:
   * right of the sibling before each, else first child; last child of a parent not loaded). */
  function placementsOf(ids: readonly string[]): Placement[] {
    const byParent = new Map<string, Set<string>>()
    for (const id of ids) {
      const parent = byId[id]?.parent
      if (parent) byParent.set(parent, (byParent.get(parent) ?? new Set()).add(id))
    }
    const plan: Placement[] = []
    for (const [parent, removed] of byParent) {
      const known = folders[parent]?.ids ?? []
      const listed = [...removed].filter((id) => known.includes(id))
      plan.push(...restorePlan(known, new Set(listed), parent))
      for (const id of removed) if (!listed.includes(id)) plan.push({ id, target: parent, position: 'last-child' })
    }
    return plan
  }

  /** "Delete": move the nodes to the channel's trash tree (MOVED, as Studio does). Returns
   * the moves that put them back exactly where they were (Undo). */
  async function moveToTrash(ids: string[], trashRootId: string): Promise<Placement[]> {
    const plan = placementsOf(ids)
    await moveMany(ids.map((id) => ({ id, target: trashRootId, position: 'last-child' as Position })))
    return plan
  }

  /** Carry out moves in order (undo of a delete). */
  async function placeAll(plan: Placement[]): Promise<void> {
    await moveMany(plan)
  }

  /** Different edits of many nodes (an undo of a bulk edit): one UPDATED per node, queued
   * in one outbox transaction. */
  async function updateEach(edits: readonly { id: string; mods: Mods }[]): Promise<void> {
    const list = edits.filter((edit) => Object.keys(edit.mods).length)
    if (!list.length) return
    if (list.length === 1) return updateNode(list[0]!.id, list[0]!.mods)
    for (const { id, mods } of list) {
      const node = byId[id]
      if (node) byId[id] = edited(node, mods)
    }
    await useEngine().enqueueMany(list.map(({ id, mods }) => updated('contentnode', id, mods, scope())))
  }

  /** A created node again, with the same id and fields (redo of a creation that was undone). */
  async function recreate(obj: Partial<ContentNode> & { id: string; parent: string }): Promise<void> {
    byId[obj.id] = localNode(obj)
    const state = folder(obj.parent)
    if (state.loaded && !state.more && !state.ids.includes(obj.id)) setFolder(obj.parent, { ids: [...state.ids, obj.id] })
    if (obj.kind === 'topic' && subfolders[obj.parent] && !subfolders[obj.parent]!.includes(obj.id)) {
      subfolders[obj.parent] = [...subfolders[obj.parent]!, obj.id]
    }
    await useEngine().enqueue(created('contentnode', obj, scope()))
  }

  /** Delete for good (a DELETED change): only from the trash. */
  async function deleteNode(id: string): Promise<void> {
    removeLocally(id)
    delete byId[id]
    await useEngine().enqueue(deleted('contentnode', id, scope()))
  }

  function removeLocally(id: string): void {
    const parent = byId[id]?.parent
    for (const [folderId, state] of Object.entries(folders)) {
      if (state.ids.includes(id)) setFolder(folderId, { ids: state.ids.filter((other) => other !== id), shifted: true })
    }
    for (const [folderId, ids] of Object.entries(subfolders)) {
      if (ids.includes(id)) subfolders[folderId] = ids.filter((other) => other !== id)
    }
    if (parent) scheduleRefresh([parent])
  }

  function placeLocally(id: string, target: string, position: Position): void {
    const oldParent = byId[id]?.parent
    const newParent = parentFor(target, position, (other) => byId[other]?.parent)
    removeLocally(id)
    const node = byId[id]
    if (newParent && node) byId[id] = { ...node, parent: newParent }
    if (!newParent) return
    const state = folders[newParent]
    if (state?.loaded) {
      const ids = place(state.ids, id, target, position, !state.more)
      if (ids) setFolder(newParent, { ids, shifted: true })
      else void openFolder(newParent, true)
    }
    if (node?.kind === 'topic' && subfolders[newParent]) {
      const ids = place(subfolders[newParent]!, id, target, position, true)
      subfolders[newParent] = ids ?? [...subfolders[newParent]!, id]
    }
    scheduleRefresh([newParent, ...(oldParent ? [oldParent] : [])])
  }

  // ---- others' changes -----------------------------------------------------------------

  async function applyFeed(changes: FeedChange[]): Promise<void> {
    // Others' values are the server's now; this browser's unsaved edits stay on top (read
    // first, so a field never shows the other value for a moment).
    const updatedKeys = changes.filter((c) => c.type === ChangeType.UPDATED && byId[String(c.key)]).map((c) => String(c.key))
    const own = await localMods([...new Set(updatedKeys)])
    for (const change of changes) {
      const key = String(change.key)
      switch (change.type) {
        case ChangeType.UPDATED:
        case ChangeType.UPDATED_DESCENDANTS: {
          const node = byId[key]
          if (node && change.mods) {
            const mine = own.get(key)
            byId[key] = applyMods(node, mine ? { ...change.mods, ...mine } : change.mods)
            if (!needsNoRead(change.mods)) scheduleRefresh([key])
            // A copy that landed: its parent's counts changed too.
            if (change.mods[COPYING_STATUS] === 'SUCCESS' && node.parent) scheduleRefresh([node.parent])
          } else if (change.mods?.[COPYING_STATUS] === 'SUCCESS') {
            // A copy this page shows no placeholder for (made before a reload, or a folder
            // read again meanwhile): read it and show it where it landed.
            void showLanded(key)
          }
          if (change.type === ChangeType.UPDATED_DESCENDANTS) {
            for (const folderId of Object.keys(folders)) if (pathTo(folderId).includes(key)) void openFolder(folderId, true)
          }
          break
        }
        case ChangeType.CREATED: {
          const obj = (change.obj ?? {}) as Partial<ContentNode>
          const parent = obj.parent ?? null
          if (!parent || byId[key]) break
          byId[key] = localNode({ ...obj, id: key })
          const state = folders[parent]
          if (state?.loaded && !state.more && !state.ids.includes(key)) setFolder(parent, { ids: [...state.ids, key] })
          if (obj.kind === 'topic' && subfolders[parent] && !subfolders[parent]!.includes(key)) {
            subfolders[parent] = [...subfolders[parent]!, key]
          }
          scheduleRefresh([key, parent])
          break
        }
        case ChangeType.MOVED:
        case ChangeType.COPIED: {
          const target = change.target as string | undefined
          const position = (change.position as Position | undefined) ?? 'last-child'
          if (!target) break
          if (change.type === ChangeType.COPIED && !byId[key]) {
            // A collaborator's copy: "copying" here too until the server says it landed.
            byId[key] = placeholder(key, byId[change.from_key as string] ?? null, null)
          }
          if (byId[key] || byId[target]) placeLocally(key, target, position)
          scheduleRefresh([key])
          break
        }
        case ChangeType.DELETED:
          removeLocally(key)
          delete byId[key]
          break
      }
    }
  }

  async function showLanded(id: string): Promise<void> {
    const node = await loadNode(id).catch(() => null)
    const parent = node?.parent
    if (!parent || folders[parent]?.ids.includes(id)) return
    if (folders[parent]?.loaded) await openFolder(parent, true)
  }

  /** Read these nodes again soon (counts and markers the server computes), in one request. */
  function scheduleRefresh(ids: string[]): void {
    for (const id of ids) toRefresh.add(id)
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(() => void refreshNow(), REFRESH_DELAY)
  }

  async function refreshNow(): Promise<void> {
    // Nodes placed from a collaborator's change may not be read yet: read them all.
    const ids = [...toRefresh]
    toRefresh.clear()
    if (!ids.length) return
    try {
      await put(await fetchNodes(ids))
    } catch {
      // offline: the next change or visit reads them again
    }
  }

  return {
    byId,
    folders,
    subfolders,
    useChannel,
    openScreen,
    openFolder,
    loadMore,
    loadAncestors,
    loadSubfolders,
    loadNode,
    pathTo,
    isWithin,
    createFolder,
    createNode,
    createNodes,
    copyNodes,
    setCopyState,
    forgetCopy,
    updateNode,
    updateNodes,
    updateDescendants,
    moveNode,
    moveMany,
    placementsOf,
    moveToTrash,
    updateEach,
    recreate,
    placeAll,
    deleteNode,
    applyFeed,
  }
})

