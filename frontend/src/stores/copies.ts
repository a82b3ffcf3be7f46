/**
 * Copies in the channel editor: "Make a copy", paste from the clipboard, and (issue 13's
 * "Import from channels") any copy of nodes into the open channel. One COPIED change per
 * copied node (docs/editor-api.md, "Make a copy, paste — COPIED").
 *
 * How to use it (the whole API):
 *
 *   const copies = useCopiesStore()
 *   // Copy `sources` (ids of loaded nodes, or node rows from any channel the user can view)
 *   // into the open channel: `target` + `position` as for a move ('last-child' of a folder
 *   // by default; 'right' of a node = just after it). Several sources keep their order.
 *   // Resolves with the new ids (in the sources' order) once the changes are in the outbox.
 *   const ids = await copies.copyNodes({ sources, target, position })  // also: mods, excludedDescendants
 *   copies.duplicate(ids)          // "Make a copy": each right after itself
 *   copies.stateOf(node)           // null, or { status: 'copying' | 'failed', progress, message, canRetry }
 *   copies.retry(id)               // Retry a failed copy (the same change again, a new rev)
 *   copies.dismiss(id)             // drop a failed copy's row (and its refused change)
 *
 * The rows of the new nodes show at once, marked copying, wherever the folder is shown
 * (NodeRow reads `stateOf`), and turn into normal rows without a reload when the server says
 * the copy landed. A copy fails either in the request (its change comes back in `errors`:
 * the save engine's problems carry the message) or in its job (`__COPYING_STATUS: FAILED`; the
 * job's message is in `tasks`). Retry resends the same COPIED change — same key, new rev —
 * which is what the server expects (tests/test_copy_failure_retry.py).
 */
import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import { useEngine, type FeedChange, type Problem } from '@/api/sync'
import { newId } from '@/api/writes'
import type { Mods, Position } from '@/changes'
import { COPY_ERROR, copyingStatus, TASK_ID, useNodesStore, type ContentNode, type CopyRequest } from './nodes'

export interface CopyTask {
  task_id: string
  task_name?: string
  status: string
  progress?: number | null
  traceback?: string | null
}

export interface CopyState {
  status: 'copying' | 'failed'
  /** 0–100 while the copy runs as a job that reports progress, else null */
  progress: number | null
  /** why it failed (the server's message), null while copying */
  message: string | null
  /** whether Retry can resend it (this page or the outbox knows the change) */
  canRetry: boolean
}

export interface CopyOptions {
  /** node ids (loaded in the nodes store) or node rows (any channel the user can view) */
  sources: readonly (string | ContentNode)[]
  /** a folder (with 'first-child' / 'last-child') or a node (with 'left' / 'right') */
  target: string
  position?: Position
  /** values for every copy's top node (the server takes title, description, language, the
   * label maps, …; spec 4.2 COPIED) */
  mods?: Mods
  /** `node_id`s under the sources to leave out, with their subtrees (a partial import) */
  excludedDescendants?: Record<string, boolean> | null
}

/** The server's fallback when a copy job failed without saying why. */
const FAILED_WITHOUT_REASON = 'The copy failed.'

/** "TreeError: The copy failed (…)." → "The copy failed (…)." */
function readable(message: string): string {
  return message.replace(/^[A-Za-z_.]*(Error|Exception): /, '')
}

/** The order to queue sibling copies so they end up in the sources' order: each 'right' of
 * (or 'first-child' of) the same anchor lands before the ones queued earlier. */
export function queueOrder<T>(items: readonly T[], position: Position): T[] {
  return position === 'right' || position === 'first-child' ? [...items].reverse() : [...items]
}

export const useCopiesStore = defineStore('copies', () => {
  /** refused COPIED changes in the outbox, by the new node's id */
  const refused = shallowReactive<Record<string, Problem>>({})
  /** running and failed jobs, by task id (the sync answer's `tasks`) */
  const tasks = shallowReactive<Record<string, CopyTask>>({})
  /** the job of each copy that ran as one (the FAILED echo clears `__TASK_ID`) */
  const taskOf = shallowReactive<Record<string, string>>({})
  /** the copies this page started, for a Retry after a failed job */
  const requests = new Map<string, CopyRequest>()
  let connected = false

  function connect(): void {
    if (connected) return
    connected = true
    useEngine().subscribe((event) => {
      if (event.type === 'status') void onProblems(event.status.problems)
      else if (event.type === 'tasks') onTasks(event.tasks as CopyTask[])
      else if (event.type === 'changes') onChanges(event.changes)
    })
  }

  async function onProblems(problems: Problem[]): Promise<void> {
    const now = new Map(problems.filter((p) => p.table === 'contentnode').map((p) => [String(p.key), p]))
    const gone = Object.keys(refused).filter((key) => !now.has(key))
    for (const [key, problem] of now) {
      if (refused[key]?.id !== problem.id || refused[key]?.message !== problem.message) refused[key] = problem
    }
    for (const key of gone) delete refused[key]
    if (!gone.length) return
    // Retried (from here or the problems panel): copying again. Discarded: no copy to show.
    const queued = new Set((await useEngine().localChanges('contentnode', gone)).map((c) => String(c.key)))
    const nodes = useNodesStore()
    for (const key of gone) if (!queued.has(key)) nodes.forgetCopy(key)
  }

  function onTasks(list: CopyTask[]): void {
    for (const task of list) tasks[task.task_id] = task
  }

  function onChanges(changes: FeedChange[]): void {
    for (const change of changes) {
      const taskId = change.table === 'contentnode' ? change.mods?.[TASK_ID] : null
      if (typeof taskId === 'string') taskOf[String(change.key)] = taskId
    }
  }

  function sourceOf(source: string | ContentNode): ContentNode {
    if (typeof source !== 'string') return source
    const node = useNodesStore().byId[source]
    if (!node) throw new Error(`Node ${source} is not loaded`)
    return node
  }

  /** See the module comment. */
  async function copyNodes({ sources, target, position = 'last-child', mods, excludedDescendants }: CopyOptions): Promise<string[]> {
    connect()
    const made = sources.map((source) => ({ key: newId(), source: sourceOf(source), target, position, mods, excludedDescendants }) as CopyRequest)
    for (const request of made) requests.set(request.key, request)
    await useNodesStore().copyNodes(queueOrder(made, position))
    return made.map((request) => request.key)
  }

  /** "Make a copy" of each node, right after it. Resolves with the new ids. */
  async function duplicate(ids: readonly string[]): Promise<string[]> {
    connect()
    const made = ids.map((id) => ({ key: newId(), source: sourceOf(id), target: id, position: 'right' }) as CopyRequest)
    for (const request of made) requests.set(request.key, request)
    await useNodesStore().copyNodes(made)
    return made.map((request) => request.key)
  }

  function stateOf(node: ContentNode | undefined): CopyState | null {
    const status = copyingStatus(node)
    if (!node || !status) return null
    const problem = refused[node.id]
    if (problem) return { status: 'failed', progress: null, message: readable(problem.message) || FAILED_WITHOUT_REASON, canRetry: true }
    const taskId = (node[TASK_ID] as string | null) ?? taskOf[node.id] ?? null
    const task = taskId ? tasks[taskId] : undefined
    if (status === 'FAILED') {
      const reason = (node[COPY_ERROR] as string | null) ?? task?.traceback ?? null
      return { status: 'failed', progress: null, message: reason ? readable(reason) : FAILED_WITHOUT_REASON, canRetry: requests.has(node.id) }
    }
    const progress = task && task.status !== 'FAILURE' && typeof task.progress === 'number' ? Math.round(task.progress) : null
    return { status: 'copying', progress, message: null, canRetry: false }
  }

  /** Send a failed copy again: the refused change with a new rev, or (a failed job) the same
   * COPIED change once more. */
  async function retry(id: string): Promise<void> {
    const nodes = useNodesStore()
    const problem = refused[id]
    if (problem) {
      delete refused[id]
      nodes.setCopyState(id, 'COPYING')
      await useEngine().retry(problem.id)
      return
    }
    const request = requests.get(id)
    if (!request) return
    delete taskOf[id]
    nodes.setCopyState(id, 'COPYING')
    await nodes.copyNodes([request])
  }

  /** Drop a failed copy: its row, and its refused change from the outbox. */
  async function dismiss(id: string): Promise<void> {
    const problem = refused[id]
    delete refused[id]
    requests.delete(id)
    useNodesStore().forgetCopy(id)
    if (problem) await useEngine().discard(problem.id)
  }

  return { refused, tasks, connect, copyNodes, duplicate, stateOf, retry, dismiss }
})
