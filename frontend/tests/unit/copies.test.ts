import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { blankNode } from '@/api/nodes'
import { useEngine } from '@/api/sync'
import { ChangeType } from '@/changes'
import { queueOrder, useCopiesStore } from '@/stores/copies'
import { useNodesStore, type ContentNode } from '@/stores/nodes'
import { useManualEngine } from './manualEngine'

const CHANNEL = 'c'.repeat(32)
const FOLDER = 'f'.repeat(32)
const A = 'a'.repeat(32)
const B = 'b'.repeat(32)

function node(id: string, title: string, fields: Partial<ContentNode> = {}): ContentNode {
  return blankNode({ id, title, kind: 'topic', parent: FOLDER, complete: true, changed: false, published: true, channel_id: CHANNEL, total_count: 10, resource_count: 10, ...fields })
}

/** What the server has: FOLDER's children, and nodes by id. */
let children: ContentNode[] = []
let others: ContentNode[] = []

useManualEngine('copies', (url) => {
  const query = new URL(url, 'http://test').searchParams
  if (query.get('parent') === FOLDER) return { more: null, results: children }
  const wanted = query.get('id__in')?.split(',') ?? []
  return [...children, ...others].filter((n) => wanted.includes(n.id))
})

beforeEach(() => {
  children = [node(A, 'Unit 1'), node(B, 'Unit 2')]
  others = []
})

async function openFolder() {
  const nodes = useNodesStore()
  nodes.useChannel(CHANNEL)
  await nodes.openFolder(FOLDER)
  const copies = useCopiesStore()
  copies.connect()
  return { nodes, copies }
}

/** The outbox row of the change for `key`; marked refused as the server's answer would. */
async function refuse(key: string, errors: unknown) {
  const engine = useEngine()
  const row = await engine.db.outbox.where('[table+keyStr]').equals(['contentnode', key]).first()
  await engine.db.outbox.update(row!.rev!, { state: 'errored', queued: 0, server_rev: 99, errors })
  await engine.refreshStatus()
  await vi.waitFor(() => expect(useCopiesStore().refused[key]).toBeDefined())
}

const echo = (key: string, mods: Record<string, unknown>, rev = 100) => ({
  server_rev: rev,
  table: 'contentnode',
  type: ChangeType.UPDATED,
  key,
  channel_id: CHANNEL,
  user_id: null,
  mods,
})

describe('copies', () => {
  it('shows a duplicate right after its source as copying, then the server row once it landed', async () => {
    const { nodes, copies } = await openFolder()
    const [copy] = await copies.duplicate([A])
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, copy, B])
    expect(copies.stateOf(nodes.byId[copy!])).toEqual({ status: 'copying', progress: null, message: null, canRetry: false })
    expect(nodes.byId[copy!]).toMatchObject({ title: 'Unit 1', kind: 'topic', parent: FOLDER })
    const queued = await useEngine().localChanges('contentnode')
    expect(queued).toEqual([expect.objectContaining({ type: ChangeType.COPIED, key: copy, from_key: A, target: A, position: 'right', channel_id: CHANNEL })])

    others = [node(copy!, 'Unit 1', { lft: 5, changed: true, published: false })]
    await nodes.applyFeed([echo(copy!, { __COPYING_STATUS: 'SUCCESS', node_id: 'd'.repeat(32) })])
    expect(copies.stateOf(nodes.byId[copy!])).toBeNull()
    await vi.waitFor(() => expect(nodes.byId[copy!]!.lft).toBe(5), { timeout: 2000 })
    expect(nodes.byId[copy!]!.__COPYING_STATUS).toBeUndefined()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, copy, B])
  })

  it('duplicates a selection with each copy right after its own source', async () => {
    const { nodes, copies } = await openFolder()
    const [a, b] = await copies.duplicate([A, B])
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, a, B, b])
    const queued = await useEngine().localChanges('contentnode')
    expect(queued.map((c) => [c.key, c.from_key, c.target, c.position])).toEqual([
      [a, A, A, 'right'],
      [b, B, B, 'right'],
    ])
  })

  it('pastes several sources as last children in their order, from rows of another channel', async () => {
    const { nodes, copies } = await openFolder()
    const elsewhere = [node('1'.repeat(32), 'Far 1', { kind: 'video', parent: 'e'.repeat(32) }), node('2'.repeat(32), 'Far 2', { kind: 'document', parent: 'e'.repeat(32) })]
    const made = await copies.copyNodes({ sources: elsewhere, target: FOLDER, excludedDescendants: { ['9'.repeat(32)]: true } })
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, ...made])
    expect(made.map((id) => nodes.byId[id]!.title)).toEqual(['Far 1', 'Far 2'])
    expect(made.map((id) => nodes.byId[id]!.channel_id)).toEqual([CHANNEL, CHANNEL])
    const queued = await useEngine().localChanges('contentnode')
    expect(queued.map((c) => [c.key, c.from_key, c.target, c.position])).toEqual([
      [made[0], elsewhere[0]!.id, FOLDER, 'last-child'],
      [made[1], elsewhere[1]!.id, FOLDER, 'last-child'],
    ])
    expect(queued.map((c) => [c.mods, c.excluded_descendants])).toEqual([
      [{}, { ['9'.repeat(32)]: true }],
      [{}, { ['9'.repeat(32)]: true }],
    ])
  })

  it('queues copies beside one anchor so that they land in the order given', () => {
    expect(queueOrder([1, 2, 3], 'right')).toEqual([3, 2, 1])
    expect(queueOrder([1, 2, 3], 'first-child')).toEqual([3, 2, 1])
    expect(queueOrder([1, 2, 3], 'left')).toEqual([1, 2, 3])
    expect(queueOrder([1, 2, 3], 'last-child')).toEqual([1, 2, 3])
  })

  it('shows the reason of a copy refused in the request, and Retry sends the same copy again', async () => {
    const { nodes, copies } = await openFolder()
    const [copy] = await copies.duplicate([A])
    await refuse(copy!, ['The copy failed (a fault injected by a test).'])
    expect(copies.stateOf(nodes.byId[copy!])).toEqual({
      status: 'failed',
      progress: null,
      message: 'The copy failed (a fault injected by a test).',
      canRetry: true,
    })
    const before = (await useEngine().db.outbox.toArray()).map((row) => row.rev)
    await copies.retry(copy!)
    expect(copies.stateOf(nodes.byId[copy!])?.status).toBe('copying')
    const rows = await useEngine().db.outbox.toArray()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.state).toBe('pending')
    expect(before).not.toContain(rows[0]!.rev)
    expect(rows[0]!.change).toMatchObject({ type: ChangeType.COPIED, key: copy, from_key: A, target: A, position: 'right' })
  })

  it('Dismiss drops a failed copy: its row and its refused change', async () => {
    const { nodes, copies } = await openFolder()
    const [copy] = await copies.duplicate([A])
    await refuse(copy!, ['Specified source node does not exist'])
    await copies.dismiss(copy!)
    expect(nodes.byId[copy!]).toBeUndefined()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B])
    expect(await useEngine().db.outbox.count()).toBe(0)
  })

  it("follows a copy job's progress, shows its failure with the job's message, and retries it", async () => {
    const { nodes, copies } = await openFolder()
    const [copy] = await copies.duplicate([A])
    await useEngine().db.outbox.clear() // accepted: the job runs on the server
    // The engine hands the feed to both stores (as after a sync answer).
    useEngine()['emit']({ type: 'changes', changes: [echo(copy!, { __TASK_ID: 'task-1' })] })
    useEngine()['emit']({ type: 'tasks', tasks: [{ task_id: 'task-1', task_name: 'copy_nodes_task', status: 'STARTED', progress: 40 }] })
    expect(copies.stateOf(nodes.byId[copy!])).toMatchObject({ status: 'copying', progress: 40 })

    const failed = echo(copy!, { __COPYING_STATUS: 'FAILED', __TASK_ID: null }, 101)
    useEngine()['emit']({ type: 'changes', changes: [failed] })
    await vi.waitFor(() => expect(nodes.byId[copy!]!.__COPYING_STATUS).toBe('FAILED'))
    useEngine()['emit']({ type: 'tasks', tasks: [{ task_id: 'task-1', status: 'FAILURE', progress: 40, traceback: 'TreeError: The copy failed (a fault injected by a test).' }] })
    expect(copies.stateOf(nodes.byId[copy!])).toEqual({
      status: 'failed',
      progress: null,
      message: 'The copy failed (a fault injected by a test).',
      canRetry: true,
    })

    await copies.retry(copy!)
    expect(copies.stateOf(nodes.byId[copy!])).toMatchObject({ status: 'copying', progress: null })
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, copy, B])
    const queued = await useEngine().localChanges('contentnode')
    expect(queued).toEqual([expect.objectContaining({ type: ChangeType.COPIED, key: copy, from_key: A, target: A, position: 'right' })])
  })

  it('keeps a queued copy as a placeholder after a reload, and drops it when its refused change is discarded', async () => {
    const first = await openFolder()
    const [copy] = await first.copies.duplicate([A])

    setActivePinia(createPinia()) // a reload: the outbox keeps the change
    const { nodes, copies } = await openFolder()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, copy, B]) // where it goes: right after its source
    expect(copies.stateOf(nodes.byId[copy!])?.status).toBe('copying')

    await refuse(copy!, ['Internal server error'])
    expect(copies.stateOf(nodes.byId[copy!])?.status).toBe('failed')
    await useEngine().discard(copies.refused[copy!]!.id) // "Discard" in the problems panel
    await vi.waitFor(() => expect(nodes.byId[copy!]).toBeUndefined())
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B])
  })
})
