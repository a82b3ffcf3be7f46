import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { blankNode } from '@/api/nodes'
import { useEngine } from '@/api/sync'
import { ChangeType } from '@/changes'
import { useNodesStore, type ContentNode } from '@/stores/nodes'
import { useManualEngine } from './manualEngine'

const CHANNEL = 'c'.repeat(32)
const FOLDER = 'f'.repeat(32)

function node(id: string, title: string): ContentNode {
  return blankNode({ id, title, kind: 'document', parent: FOLDER, complete: true, changed: false, published: true, channel_id: CHANNEL })
}

/** The server's children of FOLDER (one page) and nodes by id. */
let children: ContentNode[] = []
let screen: unknown = null

useManualEngine('nodes', (url) => {
  const parsed = new URL(url, 'http://test')
  const query = parsed.searchParams
  if (parsed.pathname.endsWith('/editor')) return screen
  if (query.get('parent') === FOLDER) return { more: null, results: children }
  if (query.get('id__in')) return children.filter((n) => query.get('id__in')!.split(',').includes(n.id))
  return []
})

beforeEach(() => {
  children = [node('a'.repeat(32), 'A'), node('b'.repeat(32), 'B')]
})

const A = 'a'.repeat(32)
const B = 'b'.repeat(32)

describe('the nodes store', () => {
  it("applies a collaborator's edit but keeps this browser's unsent value of the same field on top", async () => {
    const nodes = useNodesStore()
    nodes.useChannel(CHANNEL)
    await nodes.openFolder(FOLDER)
    await nodes.updateNode(A, { description: 'mine' })
    await nodes.applyFeed([
      { server_rev: 5, table: 'contentnode', type: ChangeType.UPDATED, key: A, channel_id: CHANNEL, user_id: null, mods: { title: 'Theirs', description: 'theirs' } },
    ])
    expect(nodes.byId[A]).toMatchObject({ title: 'Theirs', description: 'mine' })
  })

  it('marks an edited node changed at once (its row shows "Updated" before any read)', async () => {
    const nodes = useNodesStore()
    nodes.useChannel(CHANNEL)
    await nodes.openFolder(FOLDER)
    expect(nodes.byId[A]!.changed).toBe(false)
    await nodes.updateNode(A, { title: 'A, renamed' })
    await nodes.updateNodes([B], { license: 1 })
    expect(nodes.byId[A]).toMatchObject({ title: 'A, renamed', changed: true })
    expect(nodes.byId[B]).toMatchObject({ license: 1, changed: true })
    // What is sent is the edit only: the server decides what "changed" is.
    const sent = (await useEngine().db.outbox.toArray()).map((row) => row.change.mods)
    expect(sent).toEqual([{ title: 'A, renamed' }, { license: 1 }])
  })

  it("places collaborators' new, moved and deleted nodes in the folder", async () => {
    const nodes = useNodesStore()
    nodes.useChannel(CHANNEL)
    await nodes.openFolder(FOLDER)
    const C = 'c'.repeat(31) + '1'
    await nodes.applyFeed([
      { server_rev: 6, table: 'contentnode', type: ChangeType.CREATED, key: C, channel_id: CHANNEL, user_id: null, obj: { id: C, title: 'C', kind: 'topic', parent: FOLDER } },
      { server_rev: 7, table: 'contentnode', type: ChangeType.MOVED, key: C, channel_id: CHANNEL, user_id: null, target: A, position: 'left' },
      { server_rev: 8, table: 'contentnode', type: ChangeType.DELETED, key: B, channel_id: CHANNEL, user_id: null },
    ])
    expect(nodes.folders[FOLDER]!.ids).toEqual([C, A])
    expect(nodes.byId[B]).toBeUndefined()
  })

  it('shows what this browser created or changed and has not sent yet when the folder is read again', async () => {
    const first = useNodesStore()
    first.useChannel(CHANNEL)
    await first.openFolder(FOLDER)
    const made = await first.createFolder(FOLDER, 'Unit 1')
    await first.updateNode(B, { title: 'B, renamed' })
    expect(first.folders[FOLDER]!.ids).toEqual([A, B, made])

    setActivePinia(createPinia()) // a reload: the store is empty, the outbox is not
    const again = useNodesStore()
    again.useChannel(CHANNEL)
    await again.openFolder(FOLDER)
    expect(again.folders[FOLDER]!.ids).toEqual([A, B, made])
    expect(again.byId[made]).toMatchObject({ title: 'Unit 1', kind: 'topic', parent: FOLDER })
    expect(again.byId[B]!.title).toBe('B, renamed')
    const queued = (await useEngine().localChanges('contentnode')).map((c) => [c.type, c.key])
    expect(queued).toEqual([
      [ChangeType.CREATED, made],
      [ChangeType.UPDATED, B],
    ])
  })

  it('opens the first screen from one read: path, sidebar folders in tree order, first page', async () => {
    const ROOT = '0'.repeat(31) + '1'
    const SIB = '0'.repeat(31) + '2'
    const root = node(ROOT, 'Root')
    const folder = node(FOLDER, 'Folder')
    screen = {
      channel: { id: CHANNEL, name: 'Maths', root_id: ROOT },
      ancestors: [{ ...root, parent: null, kind: 'topic', lft: 1 }, { ...folder, parent: ROOT, kind: 'topic', lft: 10 }],
      folders: [{ ...node(SIB, 'Sibling'), parent: ROOT, kind: 'topic', lft: 2 }],
      children: { more: { parent: FOLDER, max_results: 100, lft__gt: 12 }, results: children },
    }
    const nodes = useNodesStore()
    nodes.useChannel(CHANNEL)
    const channel = await nodes.openScreen(CHANNEL, FOLDER)
    expect(channel.name).toBe('Maths')
    expect(nodes.subfolders[ROOT]).toEqual([SIB, FOLDER])
    expect(nodes.subfolders[FOLDER]).toEqual([])
    expect(nodes.folders[FOLDER]).toMatchObject({ ids: [A, B], loaded: true, more: { lft__gt: 12 } })
    expect(nodes.pathTo(FOLDER)).toEqual([ROOT, FOLDER])
  })
})
