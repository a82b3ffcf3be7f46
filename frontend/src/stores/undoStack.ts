/**
 * The undo / redo history of one channel: pure stack logic, no Vue and no I/O. An entry
 * carries its own inverse (`undo`) and the change again (`redo`), each a function that hands
 * changes to the save engine; the stack only decides which runs and keeps the order.
 *
 * - `push` adds an entry and forgets what could be redone (a new edit ends the redo branch).
 * - Entries with the same `mergeKey` pushed within `mergeWindowMs` of each other are one
 *   step: typing a title in a few pauses is undone at once (the first entry's undo, the last
 *   one's redo).
 * - `undo` / `redo` run one at a time (a second press waits for the first), so the inverse
 *   changes reach the outbox in the order the curator asked for them.
 */

export interface UndoStep {
  /** what the step did, for the buttons' tooltips ("Undo move") */
  label: string
  undo: () => Promise<void> | void
  redo: () => Promise<void> | void
  /** steps with the same key close together in time are merged into one */
  mergeKey?: string
}

export interface UndoEntry extends UndoStep {
  id: number
  /** when it was pushed or last merged into (ms) */
  at: number
}

export interface UndoStackOptions {
  limit?: number
  mergeWindowMs?: number
  now?: () => number
}

export class UndoStack {
  private past: UndoEntry[] = []
  private future: UndoEntry[] = []
  private nextId = 1
  private running: Promise<unknown> = Promise.resolve()
  private readonly limit: number
  private readonly mergeWindowMs: number
  private readonly now: () => number

  constructor(options: UndoStackOptions = {}) {
    this.limit = options.limit ?? 100
    this.mergeWindowMs = options.mergeWindowMs ?? 3_000
    this.now = options.now ?? (() => Date.now())
  }

  get canUndo(): boolean {
    return this.past.length > 0
  }

  get canRedo(): boolean {
    return this.future.length > 0
  }

  /** The step an undo would revert (null: none). */
  get top(): UndoEntry | null {
    return this.past[this.past.length - 1] ?? null
  }

  get next(): UndoEntry | null {
    return this.future[this.future.length - 1] ?? null
  }

  get size(): { past: number; future: number } {
    return { past: this.past.length, future: this.future.length }
  }

  /** Record a step that has been done. Returns its entry's id (the merged one's, if merged). */
  push(step: UndoStep): number {
    const at = this.now()
    this.future = []
    const top = this.top
    if (step.mergeKey && top && top.mergeKey === step.mergeKey && at - top.at <= this.mergeWindowMs) {
      top.redo = step.redo
      top.at = at
      return top.id
    }
    const entry: UndoEntry = { ...step, id: this.nextId++, at }
    this.past.push(entry)
    if (this.past.length > this.limit) this.past.splice(0, this.past.length - this.limit)
    return entry.id
  }

  /** Revert the newest step; `onlyId`: only if it is that entry (a toast's Undo). Resolves
   * with the entry undone, or null when there was none. */
  undo(onlyId?: number): Promise<UndoEntry | null> {
    return this.serial(async () => {
      const entry = this.top
      if (!entry || (onlyId !== undefined && entry.id !== onlyId)) return null
      this.past.pop()
      await entry.undo()
      this.future.push(entry)
      return entry
    })
  }

  /** Do again the step undone last. */
  redo(): Promise<UndoEntry | null> {
    return this.serial(async () => {
      const entry = this.future.pop()
      if (!entry) return null
      await entry.redo()
      // Redone steps are not merged with what comes next.
      entry.at = -Infinity
      this.past.push(entry)
      return entry
    })
  }

  clear(): void {
    this.past = []
    this.future = []
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.running.then(run, run)
    this.running = result.catch(() => undefined)
    return result
  }
}
