import { beforeEach, describe, expect, it } from 'vitest'
import { blankNode } from '@/api/nodes'
import { useEngine } from '@/api/sync'
import { ChangeType, inverseMods, type Change } from '@/changes'
import { useNodesStore, type ContentNode } from '@/stores/nodes'
import { useUndoStore } from '@/stores/undo'
import { useManualEngine } from './manualEngine'

const CHANNEL = 'c'.repeat(32)
const FOLDER = 'f'.repeat(32)
const TRASH = 'e'.repeat(32)
const A = 'a'.repeat(32)
const B = 'b'.repeat(32)
const C = 'd'.repeat(32)

function node(id: string, title: string): ContentNode {
  return blankNode({ id, title, kind: 'document', parent: FOLDER, complete: true, channel_id: CHANNEL, description: 'old', language: null })
}

let children: ContentNode[] = []

useManualEngine('undo', (url) => {
  const query = new URL(url, 'http://test').searchParams
  if (query.get('parent') === FOLDER) return { more: null, results: children }
  return []
})

beforeEach(() => {
  children = [node(A, 'Cherry'), node(B, 'apple'), node(C, 'Banana')]
})

async function ready() {
  const nodes = useNodesStore()
  nodes.useChannel(CHANNEL)
  await nodes.openFolder(FOLDER)
  const undo = useUndoStore()
  undo.useChannel(CHANNEL)
  return { nodes, undo }
}

/** What the outbox holds (in order), without the scope fields. */
async function queued(): Promise<Partial<Change>[]> {
  const rows = await useEngine().db.outbox.orderBy('rev').toArray()
  return rows.map(({ change }) => {
    const { type, key, mods, target, position, obj } = change
    return Object.fromEntries(Object.entries({ type, key, mods, target, position, id: obj?.id }).filter(([, v]) => v !== undefined))
  })
}

describe('undo / redo in the editor', () => {
  it('inverts mods from the values a node has now (null where it has none)', () => {
    const before = { title: 'T', categories: { 'math.x': true }, extra_fields: { options: { m: 1 } } }
    expect(inverseMods(before, { title: 'U', 'categories.math.x': null, 'categories.art': true, 'extra_fields.options.m': 2, language: 'fr' })).toEqual({
      title: 'T',
      'categories.math.x': true,
      'categories.art': null,
      'extra_fields.options.m': 1,
      language: null,
    })
  })

  it('undoes an edit with an UPDATED of the old values, and redoes it', async () => {
    const { nodes, undo } = await ready()
    await undo.update(A, { title: 'Cherries', language: 'fr' })
    expect(undo.canUndo).toBe(true)
    await undo.undo()
    expect(nodes.byId[A]).toMatchObject({ title: 'Cherry', language: null })
    expect(undo.canRedo).toBe(true)
    await undo.redo()
    expect(nodes.byId[A]).toMatchObject({ title: 'Cherries', language: 'fr' })
    // Pending UPDATEDs of a node fold into one in the outbox: the last values win.
    expect(await queued()).toEqual([{ type: ChangeType.UPDATED, key: A, mods: { title: 'Cherries', language: 'fr' } }])
  })

  it('undoes a bulk edit node by node', async () => {
    const { nodes, undo } = await ready()
    await nodes.updateNode(B, { description: 'own' })
    await useEngine().db.outbox.clear()
    await undo.updateMany([A, B], { description: 'same' })
    await undo.undo()
    expect(nodes.byId[A]!.description).toBe('old')
    expect(nodes.byId[B]!.description).toBe('own')
    const changes = await queued()
    expect(changes.slice(-2)).toEqual([
      { type: ChangeType.UPDATED, key: A, mods: { description: 'old' } },
      { type: ChangeType.UPDATED, key: B, mods: { description: 'own' } },
    ])
  })

  it('undoes a move with a MOVED back to the old place', async () => {
    const { nodes, undo } = await ready()
    await undo.move([{ id: A, target: C, position: 'right' }])
    expect(nodes.folders[FOLDER]!.ids).toEqual([B, C, A])
    await undo.undo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, C])
    expect((await queued()).at(-1)).toEqual({ type: ChangeType.MOVED, key: A, target: FOLDER, position: 'first-child' })
  })

  it('undoes a delete by moving the nodes back from the trash to their places', async () => {
    const { nodes, undo } = await ready()
    const step = await undo.trash([A, C], TRASH)
    expect(nodes.folders[FOLDER]!.ids).toEqual([B])
    expect(await undo.undo(step)).toBe(true)
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, C])
    expect((await queued()).slice(-2)).toEqual([
      { type: ChangeType.MOVED, key: A, target: FOLDER, position: 'first-child' },
      { type: ChangeType.MOVED, key: C, target: B, position: 'right' },
    ])
    await undo.redo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([B])
  })

  it('undoes a new folder with a DELETED; redo creates it again with the same id', async () => {
    const { nodes, undo } = await ready()
    const id = await undo.createFolder(FOLDER, 'Unit 1')
    await undo.undo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, C])
    await undo.redo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, C, id])
    expect((await queued()).map((c) => [c.type, c.key])).toEqual([
      [ChangeType.CREATED, id],
      [ChangeType.DELETED, id],
      [ChangeType.CREATED, id],
    ])
  })

  it('undoes copies by moving them to the trash; redo puts them back in place', async () => {
    const { nodes, undo } = await ready()
    // as if A and C were copies just made
    undo.recordCopies([A, C], TRASH)
    await undo.undo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([B])
    await undo.redo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, C])
    expect((await queued()).map((c) => [c.key, c.target, c.position])).toEqual([
      [A, TRASH, 'last-child'],
      [C, TRASH, 'last-child'],
      [A, FOLDER, 'first-child'],
      [C, B, 'right'],
    ])
  })

  it('sorts a folder A–Z in one batch of MOVEDs and undoes it to the old order', async () => {
    const { nodes, undo } = await ready()
    expect(await undo.sortFolder(FOLDER, 'en')).toBe(3)
    expect(nodes.folders[FOLDER]!.ids).toEqual([B, C, A])
    expect(await queued()).toEqual([
      { type: ChangeType.MOVED, key: B, target: FOLDER, position: 'first-child' },
      { type: ChangeType.MOVED, key: C, target: B, position: 'right' },
      { type: ChangeType.MOVED, key: A, target: C, position: 'right' },
    ])
    await undo.undo()
    expect(nodes.folders[FOLDER]!.ids).toEqual([A, B, C])
  })

  it('keeps one history per channel', async () => {
    const { undo } = await ready()
    await undo.update(A, { title: 'X' })
    undo.useChannel('9'.repeat(32))
    expect(undo.canUndo).toBe(false)
    undo.useChannel(CHANNEL)
    expect(undo.canUndo).toBe(true)
  })
})
