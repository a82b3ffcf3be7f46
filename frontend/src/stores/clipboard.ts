/**
 * The user's clipboard (spec 4.7): "Copy to clipboard" puts references to nodes (of any
 * channel the user can view, view-only ones included) into their own clipboard tree with
 * `clipboard` CREATED changes (user changes); "Paste here" copies the original nodes into the
 * open folder through stores/copies.ts (COPIED changes of the sources, not of the clipboard
 * nodes), where they show "copying" and then settle. Remove is a `clipboard` DELETED.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { fetchBySource, fetchClipboard, fetchNode, type ContentNode } from '@/api/nodes'
import { useEngine } from '@/api/sync'
import { newId } from '@/api/writes'
import { ChangeType, created, deleted } from '@/changes'
import { useCopiesStore } from './copies'
import { useSessionStore } from './session'

export interface ClipboardItem {
  /** the clipboard node's id */
  id: string
  source_node_id: string
  source_channel_id: string
  /** the node it points at, as the server has it now; null when it is gone */
  node: ContentNode | null
}

const sourceKey = (nodeId: string, channelId: string) => `${nodeId}/${channelId.replace(/-/g, '')}`

export const useClipboardStore = defineStore('clipboard', () => {
  const items = ref<ClipboardItem[]>([])
  const loading = ref(false)
  const error = ref('')

  function scope() {
    return { user_id: useSessionStore().user?.id ?? null }
  }

  /** Read the clipboard (and the nodes it points at); this browser's unsent additions and
   * removals on top. */
  async function load(): Promise<void> {
    const root = useSessionStore().user?.clipboard_tree_id
    loading.value = true
    error.value = ''
    try {
      const rows = root ? await fetchClipboard(root) : []
      const local = await useEngine().localChanges('clipboard')
      const removed = new Set(local.filter((c) => c.type === ChangeType.DELETED).map((c) => String(c.key)))
      const entries = rows
        .filter((row) => !removed.has(row.id))
        .map((row) => ({ id: row.id, source_node_id: row.source_node_id, source_channel_id: row.source_channel_id }))
      const known = new Set(entries.map((e) => e.id))
      for (const change of local) {
        const obj = change.obj as { source_node_id?: string; source_channel_id?: string } | undefined
        if (change.type === ChangeType.CREATED && obj?.source_node_id && obj.source_channel_id && !known.has(String(change.key)) && !removed.has(String(change.key))) {
          entries.push({ id: String(change.key), source_node_id: obj.source_node_id, source_channel_id: obj.source_channel_id })
        }
      }
      const nodes = await fetchBySource(entries.map((e) => ({ node_id: e.source_node_id, channel_id: e.source_channel_id })))
      const byKey = new Map(nodes.map((n) => [sourceKey(String(n.node_id), String(n.channel_id ?? '')), n]))
      items.value = entries.map((e) => ({ ...e, node: byKey.get(sourceKey(e.source_node_id, e.source_channel_id)) ?? null }))
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    } finally {
      loading.value = false
    }
  }

  /** Put references to `nodes` (of channel `channelId`'s main tree) on the clipboard, in order.
   * A node this browser made that the server has not named yet (`node_id`) is read first. */
  async function add(nodes: readonly ContentNode[], channelId: string): Promise<number> {
    const added: ClipboardItem[] = []
    for (const node of nodes) {
      const named = node.node_id ? node : await fetchNode(node.id).catch(() => null)
      if (!named?.node_id) continue
      added.push({ id: newId(), source_node_id: String(named.node_id), source_channel_id: channelId, node: named })
    }
    if (!added.length) return 0
    items.value = [...items.value, ...added]
    await useEngine().enqueueMany(
      added.map((item) =>
        created(
          'clipboard',
          { id: item.id, kind: item.node?.kind, source_node_id: item.source_node_id, source_channel_id: item.source_channel_id },
          scope(),
        ),
      ),
    )
    return added.length
  }

  async function remove(id: string): Promise<void> {
    items.value = items.value.filter((item) => item.id !== id)
    await useEngine().enqueue(deleted('clipboard', id, scope()))
  }

  /** Copy the nodes of these clipboard items (all by default) as the last children of
   * `folderId` in the open channel. Resolves with the new ids. */
  async function paste(folderId: string, ids?: readonly string[]): Promise<string[]> {
    const chosen = items.value.filter((item) => item.node && (!ids || ids.includes(item.id)))
    if (!chosen.length) return []
    return useCopiesStore().copyNodes({ sources: chosen.map((item) => item.node!), target: folderId, position: 'last-child' })
  }

  return { items, loading, error, load, add, remove, paste }
})
