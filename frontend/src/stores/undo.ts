/**
 * Undo / redo in the channel editor: one history (undoStack.ts) per channel. The editor's
 * writes that can be undone go through here: each is done through the nodes store (so the
 * save engine sends it) and recorded with its inverse, which is sent the same way as an
 * ordinary change, so a reload shows the undone state:
 *
 * - an edit (UPDATED)        → UPDATED with the old values (null where there was none);
 * - a move (MOVED)           → MOVED back right of the sibling before it (or first child);
 * - a delete (MOVED to trash) → MOVED back from the trash to the same places;
 * - a creation (CREATED)     → DELETED; redo creates it again with the same id and fields;
 * - copies (COPIED)          → MOVED to the trash; redo moves them back;
 * - a sort A–Z (MOVEDs)      → MOVEDs back to the old order.
 *
 * Not undoable: "Apply to all descendants" (the old values of nodes never loaded are not
 * known here) and "Delete forever".
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { inverseMods, type Mods, type Position } from '@/changes'
import type { ContentNode } from '@/api/nodes'
import { sortPlan } from './nodeOrder'
import { useNodesStore, type Placement } from './nodes'
import { UndoStack, type UndoStep } from './undoStack'

export type StepKind = 'edit' | 'move' | 'delete' | 'create' | 'copy' | 'sort' | 'restore'

export const useUndoStore = defineStore('undo', () => {
  const stacks = new Map<string, UndoStack>()
  const channelId = ref<string | null>(null)
  /** bumped on every change of a stack (the stacks themselves are not reactive) */
  const version = ref(0)

  function stack(): UndoStack | null {
    if (!channelId.value) return null
    let found = stacks.get(channelId.value)
    if (!found) {
      found = new UndoStack()
      stacks.set(channelId.value, found)
    }
    return found
  }

  function useChannel(id: string): void {
    channelId.value = id
    version.value += 1
  }

  const canUndo = computed(() => version.value >= 0 && !!stack()?.canUndo)
  const canRedo = computed(() => version.value >= 0 && !!stack()?.canRedo)
  /** what an undo / redo would revert or do again (a StepKind), for the buttons' tooltips */
  const undoKind = computed(() => (version.value >= 0 ? (stack()?.top?.label ?? null) : null))
  const redoKind = computed(() => (version.value >= 0 ? (stack()?.next?.label ?? null) : null))
  /** the id of the step an undo would revert (0: none) */
  const topId = computed(() => (version.value >= 0 ? (stack()?.top?.id ?? 0) : 0))

  /** Record a step done elsewhere (e.g. copies); returns its id. */
  function record(step: UndoStep & { label: StepKind }): number {
    const id = stack()?.push(step) ?? 0
    version.value += 1
    return id
  }

  /** Revert the newest step (`onlyId`: only if it is that one, e.g. the delete a toast is about). */
  async function undo(onlyId?: number): Promise<boolean> {
    const current = stack()
    if (!current) return false
    try {
      return (await current.undo(onlyId)) !== null
    } finally {
      version.value += 1
    }
  }

  async function redo(): Promise<boolean> {
    const current = stack()
    if (!current) return false
    try {
      return (await current.redo()) !== null
    } finally {
      version.value += 1
    }
  }

  // ---- the editor's undoable writes -----------------------------------------------------------

  /** Edit one node's fields; typing in one field in a few pauses is one step. */
  async function update(id: string, mods: Mods): Promise<void> {
    await updateMany([id], mods)
  }

  /** The same edit of many nodes (bulk edit): one step; its undo puts each node's own values back. */
  async function updateMany(ids: readonly string[], mods: Mods): Promise<void> {
    const nodes = useNodesStore()
    if (!ids.length || !Object.keys(mods).length) return
    const before = ids.filter((id) => nodes.byId[id]).map((id) => ({ id, mods: inverseMods(nodes.byId[id]!, mods) }))
    const list = [...ids]
    const apply = () => (list.length === 1 ? nodes.updateNode(list[0]!, mods) : nodes.updateNodes(list, mods))
    await apply()
    if (!before.length) return
    record({
      label: 'edit',
      mergeKey: `edit:${list.join(',')}:${Object.keys(mods).sort().join(',')}`,
      undo: () => nodes.updateEach(before),
      redo: apply,
    })
  }

  /** Moves, in order (a drag of several rows, Move to…, Alt+↑ / Alt+↓): one step. */
  async function move(plan: readonly Placement[], kind: StepKind = 'move'): Promise<number> {
    const nodes = useNodesStore()
    if (!plan.length) return 0
    const back = nodes.placementsOf(plan.map((step) => step.id))
    const steps = [...plan]
    await nodes.moveMany(steps)
    return record({ label: kind, undo: () => nodes.moveMany(back), redo: () => nodes.moveMany(steps) })
  }

  /** Several nodes moved to the same place, keeping their order: the first to
   * `target` + `position`, each next one right of the one before. */
  function chain(ids: readonly string[], target: string, position: Position): Placement[] {
    if (position === 'last-child') return ids.map((id) => ({ id, target, position }))
    return ids.map((id, index) => (index === 0 ? { id, target, position } : { id, target: ids[index - 1]!, position: 'right' }))
  }

  /** Delete (to the trash): one step; its undo puts them back in their places. Returns the
   * step's id (for the toast's Undo). */
  async function trash(ids: readonly string[], trashRootId: string): Promise<number> {
    return move(
      ids.map((id) => ({ id, target: trashRootId, position: 'last-child' })),
      'delete',
    )
  }

  /** A new folder (last child of `parentId`): its undo deletes it, redo creates it again. */
  async function createFolder(parentId: string, title: string, fields: Partial<ContentNode> = {}): Promise<string> {
    const nodes = useNodesStore()
    const id = await nodes.createFolder(parentId, title, fields)
    const obj = { ...fields, id, title, description: '', kind: 'topic', parent: parentId }
    record({ label: 'create', undo: () => nodes.deleteNode(id), redo: () => nodes.recreate(obj) })
    return id
  }

  /** Copies made elsewhere ("Make a copy", paste): one step whose undo moves them to the
   * trash and whose redo moves them back to where they were (ids stay the same, so later
   * steps about the copies still apply; a copy's subtree cannot be CREATED again). */
  function recordCopies(ids: readonly string[], trashRootId: string): number {
    const nodes = useNodesStore()
    const list = [...ids]
    let back: Placement[] = []
    return record({
      label: 'copy',
      undo: async () => {
        back = await nodes.moveToTrash(list, trashRootId)
      },
      redo: () => nodes.moveMany(back),
    })
  }

  /** Sort a folder's children by title (A–Z): every child is read first, then one batch
   * of MOVEDs; one step. Returns how many nodes moved. */
  async function sortFolder(folderId: string, locale?: string): Promise<number> {
    const nodes = useNodesStore()
    await nodes.openFolder(folderId)
    for (let guard = 0; nodes.folders[folderId]?.more && guard < 10_000; guard += 1) await nodes.loadMore(folderId)
    const ids = nodes.folders[folderId]?.ids ?? []
    const plan = sortPlan(ids, (id) => nodes.byId[id]?.title ?? '', folderId, locale)
    await move(plan, 'sort')
    return plan.length
  }

  return { channelId, canUndo, canRedo, undoKind, redoKind, topId, useChannel, record, undo, redo, update, updateMany, move, chain, trash, createFolder, recordCopies, sortFolder }
})
