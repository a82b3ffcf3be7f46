import { beforeEach, describe, expect, it } from 'vitest'
import { blankNode } from '@/api/nodes'
import { useEngine } from '@/api/sync'
import { ChangeType } from '@/changes'
import { useClipboardStore } from '@/stores/clipboard'
import { useNodesStore } from '@/stores/nodes'
import { useSessionStore } from '@/stores/session'
import { useManualEngine } from './manualEngine'

const SOURCE = '5'.repeat(32)
const TARGET = '7'.repeat(32)
const CLIPBOARD = '9'.repeat(32)
const FOLDER = 'f'.repeat(32)
const doc = blankNode({ id: 'a'.repeat(32), node_id: 'b'.repeat(32), title: 'Intro', kind: 'document', parent: 'e'.repeat(32), channel_id: SOURCE })
const unit = blankNode({ id: 'c'.repeat(32), node_id: 'd'.repeat(32), title: 'Unit A', kind: 'topic', parent: 'e'.repeat(32), channel_id: SOURCE })
const requests: string[] = []

useManualEngine('clipboard', (url) => {
    requests.push(url)
    const parsed = new URL(url, 'http://test')
    if (parsed.pathname === '/api/clipboard') {
      return [{ id: '1'.repeat(32), source_node_id: unit.node_id, source_channel_id: SOURCE, parent: CLIPBOARD, lft: 2, extra_fields: {} }]
    }
    const pairs = parsed.searchParams.get('_node_id_channel_id___in')?.split(',') ?? []
    if (parsed.searchParams.get('parent') === FOLDER) return { more: null, results: [] }
    return [doc, unit].filter((n) => pairs.includes(String(n.node_id)))
  }, { userId: 3 })

beforeEach(() => {
  useSessionStore().user = { id: 3, email: 'me@example.com', first_name: '', last_name: '', is_admin: false, user_rev: 0, clipboard_tree_id: CLIPBOARD }
})

describe('the clipboard', () => {
  it('adds references by node_id and channel as user changes, listed with what the server has', async () => {
    const clipboard = useClipboardStore()
    expect(await clipboard.add([doc], SOURCE)).toBe(1)
    const [change] = await useEngine().localChanges('clipboard')
    expect(change).toMatchObject({
      type: ChangeType.CREATED,
      table: 'clipboard',
      user_id: 3,
      obj: { kind: 'document', source_node_id: doc.node_id, source_channel_id: SOURCE },
    })
    expect(change!.channel_id).toBeUndefined()

    await clipboard.load() // the server has Unit A; Intro is still in the outbox
    expect(clipboard.items.map((item) => item.node?.title)).toEqual(['Unit A', 'Intro'])
  })

  it('pastes the original nodes into the open folder as copies, in order', async () => {
    const nodes = useNodesStore()
    nodes.useChannel(TARGET)
    await nodes.openFolder(FOLDER)
    const clipboard = useClipboardStore()
    await clipboard.add([doc], SOURCE)
    await clipboard.load()
    const made = await clipboard.paste(FOLDER)
    expect(made).toHaveLength(2)
    expect(nodes.folders[FOLDER]!.ids).toEqual(made)
    const copies = (await useEngine().localChanges('contentnode')).map((c) => [c.type, c.from_key, c.target, c.position, c.channel_id])
    expect(copies).toEqual([
      [ChangeType.COPIED, unit.id, FOLDER, 'last-child', TARGET],
      [ChangeType.COPIED, doc.id, FOLDER, 'last-child', TARGET],
    ])
  })

  it('removes an item with a clipboard DELETED, and a reload leaves it out', async () => {
    const clipboard = useClipboardStore()
    await clipboard.load()
    await clipboard.remove('1'.repeat(32))
    expect(clipboard.items).toEqual([])
    await clipboard.load()
    expect(clipboard.items).toEqual([])
    const [change] = await useEngine().localChanges('clipboard')
    expect(change).toMatchObject({ type: ChangeType.DELETED, key: '1'.repeat(32), user_id: 3 })
  })
})
