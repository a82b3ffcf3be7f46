/**
 * The save engine: a durable outbox in IndexedDB and the one loop that sends it to
 * /api/sync/ and brings back what others changed (browser-app.md section 3, spec 2.10).
 *
 * - Every tab writes the outbox (`enqueue`); exactly one tab per browser sends and polls: the
 *   holder of a Web Lock. When it closes, the next tab takes the lock and resends everything
 *   not acknowledged (the server drops a change it already has, by `(session, rev)`).
 * - Rows go pending → sent (→ server_rev) → applied (deleted, mirror updated) | errored |
 *   disallowed. Consecutive UPDATEDs of one key are merged while still pending.
 * - A change is sent 150 ms after the last one queued (a burst goes together), and at most 1 s
 *   after the first one waiting (a steady stream still goes out).
 * - Each cycle sends every queued row, oldest first, in chunks (≤ 100 changes, ≤ 256 KB),
 *   and polls again while the feed answers full pages (200 rows). One request at a time: the
 *   next chunk is taken from the outbox while the previous one is on its way, and posted only
 *   once that one is answered and absorbed (so the changes of one object reach the server in
 *   order). The status says "sending" while a request carries changes, not for a poll.
 * - Network errors and 5xx back off exponentially; a 403 (session expired) keeps the outbox
 *   and asks to sign in again.
 * - Others' and the server's changes are applied to the mirror in server_rev order, then
 *   announced to subscribers (in this tab and, through a BroadcastChannel, every other tab).
 *
 * No Vue here: stores subscribe with `subscribe`.
 */
import Dexie from 'dexie'
import { applyMods, applyModsInPlace, canMergeMods, ChangeType, keyString, mergeMods, type Change, type Key } from '@/changes'
import { request } from '@/api/http'
import { databaseName, SyncDatabase, type OutboxRow } from './db'

export const MAX_CHUNK_CHANGES = 100
export const MAX_CHUNK_BYTES = 256 * 1024
/** The server's CHANGE_RETURN_LIMIT: a full page means there is more to fetch. */
export const FEED_PAGE = 200
export const POLL_INTERVAL = 3_000
const SEND_DEBOUNCE = 150
/** However often changes keep coming, the first one waiting is sent this soon: the debounce
 * coalesces a burst of typing, it must not hold back a steady stream (an upload queue creating
 * a node every ~50 ms sent nothing for 4 s, then 2.5 s of changes after its last file:
 * benchmarks/frontend_uploads.py). */
const SEND_MAX_WAIT = 1_000
const MAX_BACKOFF = 30_000
/** A channel is polled while some tab refreshed its mark this recently. */
const WATCH_TTL = 60_000
const WATCH_REFRESH = 20_000
const MAX_UNAPPLIED_REVS = 1_000

export interface FeedChange {
  server_rev: number
  table: string
  type: number
  key: Key
  channel_id: string | null
  user_id: number | null
  created_by_id?: number | null
  obj?: Record<string, unknown>
  mods?: Record<string, unknown>
  errors?: unknown
  [extra: string]: unknown
}

export interface SyncResponse {
  allowed: { rev: number | null; server_rev: number }[]
  disallowed: (Change & { rev?: number })[]
  changes: FeedChange[]
  errors: FeedChange[]
  successes: FeedChange[]
  tasks: unknown[]
}

export interface Problem {
  /** the outbox rev */
  id: number
  table: string
  key: Key
  kind: 'errored' | 'disallowed'
  /** the server's message(s), one line per field */
  message: string
  /** the name or title of the object, when the mirror knows it */
  label: string | null
}

export interface EngineStatus {
  /** changes written and not yet applied by the server */
  pending: number
  sending: boolean
  online: boolean
  needsSignIn: boolean
  problems: Problem[]
}

export type SyncEvent =
  /** others' and the server's changes, already in the mirror, in server_rev order */
  | { type: 'changes'; changes: FeedChange[] }
  /** the outbox or the mirror changed for these objects (any tab): re-read them */
  | { type: 'local'; keys: { table: string; key: Key }[] }
  | { type: 'status'; status: EngineStatus }
  | { type: 'tasks'; tasks: unknown[] }

type Message =
  | { t: 'local'; keys: { table: string; key: Key }[] }
  | { t: 'changes'; changes: FeedChange[] }
  | { t: 'kick' }
  | { t: 'state'; networkDown: boolean; sending: boolean; needsSignIn: boolean }
  | { t: 'outbox' }
  | { t: 'tasks'; tasks: unknown[] }

interface BroadcastLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  close(): void
}

export interface EngineOptions {
  userId: number
  /** where the user feed starts (the bootstrap's user_rev); else the persisted mark */
  userRev?: number
  /** POST a sync envelope; default: /api/sync/ with the session cookie and CSRF header */
  post?: (body: unknown) => Promise<Response>
  /** null: no Web Locks (this tab sends) */
  locks?: LockManager | null
  /** null: no other tabs */
  broadcast?: BroadcastLike | null
  dbName?: string
  pollInterval?: number
  /** timers off: the caller drives cycles with flush() (units, benchmarks) */
  manual?: boolean
}

/** Reads an object from the server (REST): its value, or null when it is gone. */
export type Reader = (key: Key) => Promise<Record<string, unknown> | null>

function messageOf(errors: unknown): string {
  if (errors == null) return ''
  if (typeof errors === 'string') return errors
  if (Array.isArray(errors)) return errors.map(messageOf).join(' ')
  if (typeof errors === 'object') {
    return Object.entries(errors as Record<string, unknown>)
      .map(([field, value]) => (field === 'non_field_errors' ? messageOf(value) : `${field}: ${messageOf(value)}`))
      .join('\n')
  }
  return String(errors)
}

/** The object after `change`, given the object before (null: absent). */
export function applyChange(value: Record<string, unknown> | null, change: Pick<Change, 'type'> & Partial<Change>): Record<string, unknown> | null {
  switch (change.type) {
    case ChangeType.CREATED:
      return { ...(change.obj ?? {}) }
    case ChangeType.UPDATED:
    case ChangeType.UPDATED_DESCENDANTS:
      return value && change.mods ? applyMods(value, change.mods) : value
    case ChangeType.DELETED:
      return null
    default:
      return value
  }
}

let timings = 0
/** User Timing entries for benchmarks/frontend_engine.py (and the browser's performance
 * panel); cleared now and then so a long session does not keep them all. */
function timing(name: string, start: number, detail: Record<string, number>): void {
  if (typeof performance === 'undefined' || !performance.measure) return
  if (++timings % 1000 === 0) performance.clearMeasures(name)
  performance.measure(name, { start, end: performance.now(), detail })
}

function defaultBroadcast(userId: number): BroadcastLike | null {
  return typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`cc-saving-${userId}`)
}

export class SaveEngine {
  readonly db: SyncDatabase
  private readonly userId: number
  private readonly post: (body: unknown) => Promise<Response>
  private readonly locks: LockManager | null
  private readonly channel: BroadcastLike | null
  private readonly pollInterval: number
  private readonly manual: boolean
  private readonly listeners = new Set<(event: SyncEvent) => void>()
  private readonly readers = new Map<string, Reader>()
  private readonly watching = new Set<string>()
  private userRev: number | undefined

  private leader = false
  private running: Promise<void> | null = null
  private again = false
  private timer: ReturnType<typeof setTimeout> | undefined
  /** when the oldest kick not yet followed by a cycle came (0: none waiting) */
  private waitingSince = 0
  private intervals: ReturnType<typeof setInterval>[] = []
  private failures = 0
  private retryAt = 0
  private releaseLock: (() => void) | null = null
  private stopped = false
  private status: EngineStatus = { pending: 0, sending: false, online: true, needsSignIn: false, problems: [] }
  private networkDown = false
  private statusRun: Promise<void> | null = null
  /** callers of refreshStatus waiting for a count that starts after their call */
  private statusWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = []
  /** Changes handed to enqueue* whose outbox write is not counted yet: the status says
   * "saving" from the moment a change is handed over, never "saved" while it is written. */
  private writing = 0
  /** pending + sent rows at the last count */
  private counted = 0
  private readonly cleanup: (() => void)[] = []

  constructor(options: EngineOptions) {
    this.userId = options.userId
    this.userRev = options.userRev
    this.db = new SyncDatabase(options.dbName ?? databaseName(options.userId))
    this.post = options.post ?? ((body) => request('POST', '/api/sync/', body))
    this.locks = options.locks !== undefined ? options.locks : typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null
    this.channel = options.broadcast !== undefined ? options.broadcast : defaultBroadcast(options.userId)
    this.pollInterval = options.pollInterval ?? POLL_INTERVAL
    this.manual = options.manual ?? false
    this.status.online = this.browserOnline()
  }

  // ---- lifecycle ---------------------------------------------------------------------

  async start(): Promise<void> {
    await this.db.open()
    const persisted = await this.db.meta.get('user_rev')
    if (this.userRev === undefined) this.userRev = (persisted?.value as number | undefined) ?? 0
    this.channel?.addEventListener('message', (event) => void this.onMessage(event.data as Message))
    if (typeof window !== 'undefined') {
      const online = () => {
        this.networkDown = false
        this.failures = 0
        this.retryAt = 0
        void this.refreshStatus()
        this.kick(0)
      }
      const offline = () => void this.refreshStatus()
      window.addEventListener('online', online)
      window.addEventListener('offline', offline)
      this.cleanup.push(() => window.removeEventListener('online', online))
      this.cleanup.push(() => window.removeEventListener('offline', offline))
    }
    if (!this.manual) {
      // Visible tabs ask for a poll; the sender polls for all of them (it may be hidden).
      this.intervals.push(
        setInterval(() => {
          if (typeof document === 'undefined' || document.visibilityState === 'visible') this.kick(0)
        }, this.pollInterval),
      )
      this.intervals.push(setInterval(() => void this.refreshWatches(), WATCH_REFRESH))
    }
    if (this.locks) {
      void this.locks.request(`cc-saving-sender-${this.userId}`, () => {
        if (this.stopped) return undefined
        this.leader = true
        this.kick(0) // every start sends everything not acknowledged
        return new Promise<void>((resolve) => (this.releaseLock = resolve))
      })
    } else {
      this.leader = true
      this.kick(0)
    }
    await this.refreshStatus()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.intervals.forEach(clearInterval)
    this.cleanup.forEach((fn) => fn())
    await this.running
    this.releaseLock?.()
    this.leader = false
    this.channel?.close()
    this.db.close()
  }

  get isSender(): boolean {
    return this.leader
  }

  subscribe(listener: (event: SyncEvent) => void): () => void {
    this.listeners.add(listener)
    listener({ type: 'status', status: this.status })
    return () => this.listeners.delete(listener)
  }

  /** How `table` is re-read from the server when a refused change is discarded. */
  registerReader(table: string, reader: Reader): void {
    this.readers.set(table, reader)
  }

  // ---- writing -----------------------------------------------------------------------

  /** Store a change in the outbox (merged into the previous UPDATED of its key while that
   * one is still pending) and get it sent. Resolves once it is durable. */
  async enqueue(change: Change): Promise<void> {
    const keyStr = keyString(change.key)
    const written = this.beginWrite()
    try {
      await this.writeOne(change, keyStr)
    } finally {
      written()
    }
    this.announceLocal([{ table: change.table, key: change.key }])
    this.kick()
  }

  private async writeOne(change: Change, keyStr: string): Promise<void> {
    await this.db.transaction('rw', this.db.outbox, async () => {
      if (change.type === ChangeType.UPDATED) {
        const last = await this.db.outbox.where('[table+keyStr]').equals([change.table, keyStr]).last()
        if (last && last.state === 'pending' && last.change.type === ChangeType.UPDATED) {
          if (canMergeMods(last.change.mods ?? {}, change.mods ?? {})) {
            const merged = { ...last.change, mods: mergeMods(last.change.mods ?? {}, change.mods ?? {}) }
            await this.db.outbox.update(last.rev!, { change: merged, size: JSON.stringify(merged).length })
            return
          }
        }
      }
      await this.db.outbox.add(this.newRow(change, keyStr))
    })
  }

  /** Count a change as pending at once (synchronously); the returned function, called once
   * it is in the outbox, stops counting it after a recount that includes its row. */
  private beginWrite(): () => void {
    this.writing += 1
    this.emitPending()
    return () => {
      void this.refreshStatus()
        .catch(() => undefined)
        .finally(() => {
          this.writing -= 1
          this.emitPending()
        })
    }
  }

  private emitPending(): void {
    const pending = this.counted + this.writing
    if (this.status.pending === pending) return
    this.status = { ...this.status, pending }
    this.emit({ type: 'status', status: { ...this.status } })
  }

  /** Many changes in one transaction (an import): no merging. Resolves with their outbox revs. */
  async enqueueMany(changes: Change[]): Promise<number[]> {
    const written = this.beginWrite()
    let revs: number[]
    const started = performance.now()
    try {
      revs = (await this.db.outbox.bulkAdd(
        changes.map((change) => this.newRow(change, keyString(change.key))),
        { allKeys: true },
      )) as number[]
    } catch (error) {
      written()
      throw error
    }
    timing('cc-sync-queue', started, { queued: changes.length })
    // A batch is whole when it is queued (no typing to wait for): send at once. The recount
    // waits a turn, so the first chunk's take goes first in IndexedDB's queue (the changes
    // stay counted as written until then).
    this.kick(0)
    await new Promise((resolve) => setTimeout(resolve, 0))
    written()
    this.announceLocal(changes.slice(0, 100).map((c) => ({ table: c.table, key: c.key })))
    return revs
  }

  /** Wait (at most `timeoutMs`) for the outcome of outbox rows: 'applied' once the server
   * applied one (its row is gone), 'errored' / 'disallowed' with the server's errors, else
   * 'pending' (offline, or still on its way: it stays in the outbox and is sent later). For
   * pages that show the server's verdict on a write they just made. */
  async settle(revs: number[], timeoutMs = 8_000): Promise<{ state: 'applied' | 'errored' | 'disallowed' | 'pending'; errors?: unknown }[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const rows = await this.db.outbox.bulkGet(revs)
      const outcomes = rows.map((row) => {
        if (!row) return { state: 'applied' as const }
        if (row.state === 'errored' || row.state === 'disallowed') return { state: row.state, errors: row.errors }
        return { state: 'pending' as const }
      })
      if (outcomes.every((o) => o.state !== 'pending') || Date.now() >= deadline) return outcomes
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  private newRow(change: Change, keyStr: string): OutboxRow {
    return {
      state: 'pending',
      queued: 1,
      change,
      table: change.table,
      keyStr,
      server_rev: null,
      errors: null,
      size: JSON.stringify(change).length,
      created: Date.now(),
    }
  }

  /** Send a refused change again (as a new change: the server keeps the old outcome). */
  async retry(rev: number): Promise<void> {
    let key: { table: string; key: Key } | null = null
    await this.db.transaction('rw', this.db.outbox, async () => {
      const row = await this.db.outbox.get(rev)
      if (!row || (row.state !== 'errored' && row.state !== 'disallowed')) return
      await this.db.outbox.delete(rev)
      await this.db.outbox.add(this.newRow(row.change, row.keyStr))
      key = { table: row.table, key: row.change.key }
    })
    if (key) this.announceLocal([key])
    this.kick(0)
  }

  /** Drop a refused change and put the server's current value of its object back. */
  async discard(rev: number): Promise<void> {
    const row = await this.db.outbox.get(rev)
    if (!row) return
    await this.db.outbox.delete(rev)
    const reader = this.readers.get(row.table)
    if (reader) {
      try {
        const value = await reader(row.change.key)
        if (value) await this.db.records.put({ table: row.table, keyStr: row.keyStr, value })
        else await this.db.records.delete([row.table, row.keyStr])
      } catch {
        // offline: the mirror keeps the last server copy we had
      }
    }
    this.announceLocal([{ table: row.table, key: row.change.key }])
  }

  /** Sign-out after the curator said "discard": forget every unsaved change. */
  async discardAll(): Promise<void> {
    await this.db.outbox.clear()
    this.announceLocal([])
  }

  // ---- reading -----------------------------------------------------------------------

  /** Keep the server's copy of an object (from a REST read) as the base for `read`. */
  async remember(table: string, key: Key, value: Record<string, unknown>): Promise<void> {
    await this.db.records.put({ table, keyStr: keyString(key), value })
  }

  /** The object as the curator sees it: the server's copy with every local change not yet
   * applied (pending, sent or refused) on top. null when unknown or deleted. */
  async read(table: string, key: Key): Promise<Record<string, unknown> | null> {
    const keyStr = keyString(key)
    const [record, rows] = await this.db.transaction('r', this.db.records, this.db.outbox, () =>
      Promise.all([
        this.db.records.get([table, keyStr]),
        this.db.outbox.where('[table+keyStr]').equals([table, keyStr]).toArray(),
      ]),
    )
    // One copy, changed in place: a key with thousands of pending updates stays cheap.
    let value: Record<string, unknown> | null = record ? (JSON.parse(JSON.stringify(record.value)) as Record<string, unknown>) : null
    for (const { change } of rows) {
      if (change.type === ChangeType.UPDATED && value && change.mods) applyModsInPlace(value, change.mods)
      else value = applyChange(value, change)
    }
    return value
  }

  /** The changes of `table` still in the outbox (pending, sent or refused), oldest first:
   * what this browser changed that the server has not applied. Only for `keys` when given. */
  async localChanges(table: string, keys?: Key[]): Promise<Change[]> {
    const rows = keys
      ? await this.db.outbox.where('[table+keyStr]').anyOf(keys.map((key) => [table, keyString(key)])).toArray()
      : await this.db.outbox.where('[table+keyStr]').between([table, Dexie.minKey], [table, Dexie.maxKey]).toArray()
    return rows.sort((a, b) => a.rev! - b.rev!).map((row) => row.change)
  }

  /** Poll a channel's feed from `rev` (its server_rev when the page read it). `fresh`: the
   * caller just read the channel from the server, so start at `rev`; otherwise keep an
   * older persisted mark (what the mirror is at). */
  async watchChannel(channelId: string, rev: number | null, fresh = true): Promise<void> {
    this.watching.add(channelId)
    const existing = await this.db.marks.get(channelId)
    const start = fresh && rev !== null ? rev : (existing?.rev ?? rev)
    if (start === null || start === undefined) return
    await this.db.marks.put({ channel: channelId, rev: start, watched: Date.now() })
    this.kick(0)
  }

  unwatchChannel(channelId: string): void {
    this.watching.delete(channelId)
  }

  private async refreshWatches(): Promise<void> {
    const now = Date.now()
    await this.db.marks.where('channel').anyOf([...this.watching]).modify({ watched: now })
  }

  /** Run a send-and-poll cycle now (the sending tab), resolving when it ends. */
  async flush(): Promise<void> {
    if (!this.leader) {
      this.post_({ t: 'kick' })
      return
    }
    clearTimeout(this.timer)
    if (this.running) {
      this.again = true
      await this.running
    }
    await this.cycle()
  }

  // ---- the sending tab -----------------------------------------------------------------

  private kick(delay = SEND_DEBOUNCE): void {
    if (this.stopped) return
    if (!this.leader) {
      this.post_({ t: 'kick' })
      return
    }
    if (this.running) {
      this.again = true
      return
    }
    if (this.manual) return
    const now = Date.now()
    if (!this.waitingSince) this.waitingSince = now
    const wait = Math.max(Math.min(delay, this.waitingSince + SEND_MAX_WAIT - now), this.retryAt - now)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.cycle(), wait)
  }

  private cycle(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    if (!this.leader || this.stopped || this.status.needsSignIn) return Promise.resolve()
    // Offline: do not hand rows to a request that cannot leave (they could no longer merge);
    // the browser's `online` event starts the next cycle.
    if (!this.browserOnline()) {
      void this.refreshStatus()
      return Promise.resolve()
    }
    this.waitingSince = 0
    this.running = this.runCycle().finally(() => {
      this.running = null
      this.setSending(false)
      if (this.again && !this.stopped) {
        this.again = false
        this.kick(0)
      }
    })
    return this.running
  }

  private async runCycle(): Promise<void> {
    let afterRev = 0
    // The next chunk, taken while the previous one is on its way (rows only: the envelope's
    // marks are built once the previous answer is absorbed). It is sent only after that
    // answer, so the changes of one object still reach the server one request after another.
    let next: Promise<OutboxRow[]> | null = null
    try {
      for (;;) {
        let rows = next ? await next : null
        next = null
        if (rows?.length) {
          // Taken while the previous request was out: send only what is still queued (the
          // curator may have discarded the unsent changes meanwhile, in any tab).
          const now = await this.db.outbox.bulkGet(rows.map((row) => row.rev!))
          rows = rows.filter((_, i) => now[i]?.queued === 1)
        }
        // Taken before a change written meanwhile (it kicked `again`): take again rather
        // than send an empty request first.
        if (!rows || (!rows.length && this.again)) rows = await this.take(afterRev)
        if (rows.length) afterRev = rows[rows.length - 1]!.rev!
        // "Sending" while a request carries changes (a follow-up poll is not saving anything).
        this.setSending(rows.length > 0)
        const body = await this.envelope(rows)
        if (rows.length) timing('cc-sync-send', performance.now(), { sent: rows.length })
        const answer = this.post(body)
        if (rows.length) {
          next = this.take(afterRev)
          next.catch(() => undefined)
        }
        let response: Response
        try {
          response = await answer
        } catch {
          this.backOff(true)
          return
        }
        if (response.status === 403) {
          this.status.needsSignIn = true
          this.broadcastState()
          await this.refreshStatus()
          return
        }
        if (!response.ok) {
          this.backOff(false)
          return
        }
        let data: SyncResponse
        try {
          data = (await response.json()) as SyncResponse
        } catch {
          this.backOff(false)
          return
        }
        this.failures = 0
        this.retryAt = 0
        if (this.networkDown) {
          this.networkDown = false
          this.broadcastState()
        }
        const started = performance.now()
        const received = await this.absorb(data)
        if (received || rows.length) timing('cc-sync-absorb', started, { received, sent: rows.length })
        // The status follows each answer (the last chunk applied = "All changes saved" now,
        // not after the follow-up poll): absorb's announceLocal recounts the outbox.
        if (!rows.length && received < FEED_PAGE && !this.again) break
        // Let the page breathe between chunks (a 10,000-change import must not freeze it).
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
    } finally {
      // A chunk taken for a request that did not go stays queued (sent, unacknowledged):
      // the next cycle sends it again. Wait for its transaction (stop() closes the database).
      if (next) await next.catch(() => undefined)
    }
    await this.refreshStatus()
    if (!this.manual && !this.stopped) {
      clearTimeout(this.timer)
      const visible = typeof document === 'undefined' || document.visibilityState === 'visible'
      if (visible) this.timer = setTimeout(() => void this.cycle(), this.pollInterval)
    }
  }

  /** Take the next chunk; a kick from here on (a change written after the take began) asks
   * for another turn of the loop. */
  private take(afterRev: number): Promise<OutboxRow[]> {
    this.again = false
    return this.takeChunk(afterRev)
  }

  private backOff(network: boolean): void {
    this.failures += 1
    this.retryAt = Date.now() + Math.min(MAX_BACKOFF, 1000 * 2 ** (this.failures - 1))
    if (network && !this.networkDown) {
      this.networkDown = true
    }
    this.broadcastState()
    void this.refreshStatus()
    if (!this.manual && !this.stopped) {
      clearTimeout(this.timer)
      this.timer = setTimeout(() => void this.cycle(), this.retryAt - Date.now())
    }
  }

  /** The oldest rows still to send after `afterRev`, marked sent (they may no longer merge). */
  private takeChunk(afterRev: number): Promise<OutboxRow[]> {
    return this.db.transaction('rw', this.db.outbox, async () => {
      const candidates = await this.db.outbox
        .where('[queued+rev]')
        .between([1, afterRev + 1], [1, Dexie.maxKey])
        .limit(MAX_CHUNK_CHANGES)
        .toArray()
      const chunk: OutboxRow[] = []
      let bytes = 0
      for (const row of candidates) {
        if (chunk.length && bytes + row.size > MAX_CHUNK_BYTES) break
        chunk.push(row)
        bytes += row.size
      }
      const fresh = chunk.filter((row) => row.state === 'pending')
      if (fresh.length) {
        for (const row of fresh) row.state = 'sent'
        await this.db.outbox.bulkPut(fresh)
      }
      return chunk
    })
  }

  private async envelope(rows: OutboxRow[]): Promise<unknown> {
    const now = Date.now()
    // Another tab may have sent (and advanced the user mark) before this one took over.
    const persisted = (await this.db.meta.get('user_rev'))?.value as number | undefined
    if (persisted !== undefined && persisted > (this.userRev ?? 0)) this.userRev = persisted
    const marks = (await this.db.marks.toArray()).filter((m) => m.watched > now - WATCH_TTL || this.watching.has(m.channel))
    const unapplied = await this.db.outbox
      .where('state')
      .equals('sent')
      .filter((row) => row.queued === 0 && row.server_rev !== null)
      .limit(MAX_UNAPPLIED_REVS)
      .toArray()
    return {
      changes: rows.map((row) => ({ ...row.change, rev: row.rev })),
      channel_revs: Object.fromEntries(marks.map((m) => [m.channel, m.rev])),
      user_rev: this.userRev ?? 0,
      unapplied_revs: unapplied.map((row) => row.server_rev),
    }
  }

  /** Record a response: outcomes into the outbox, everything applied into the mirror (in
   * server_rev order), marks advanced; then tell every tab. Returns the feed rows received. */
  private async absorb(data: SyncResponse): Promise<number> {
    const db = this.db
    const touched: { table: string; key: Key }[] = []
    const feed = [...(data.changes ?? [])].sort((a, b) => a.server_rev - b.server_rev)
    await db.transaction('rw', [db.outbox, db.records, db.marks, db.meta], async () => {
      const allowed = (data.allowed ?? []).filter((a) => typeof a.rev === 'number')
      const succeeded = new Set((data.successes ?? []).map((s) => s.server_rev))
      // Rows acknowledged and applied in this same answer: deleted below without first
      // recording the acknowledgement (a 100-row rewrite per chunk of a bulk edit).
      const doneNow: number[] = []
      const doneNowServerRevs = new Set<number>()
      if (allowed.length) {
        const rows = await db.outbox.bulkGet(allowed.map((a) => a.rev!))
        const updates: OutboxRow[] = []
        rows.forEach((row, i) => {
          if (row && (row.state === 'sent' || row.state === 'pending')) {
            const serverRev = allowed[i]!.server_rev
            if (succeeded.has(serverRev)) {
              doneNow.push(row.rev!)
              doneNowServerRevs.add(serverRev)
            } else updates.push({ ...row, state: 'sent', queued: 0, server_rev: serverRev })
          }
        })
        if (updates.length) await db.outbox.bulkPut(updates)
      }
      const refused = (data.disallowed ?? []).filter((d) => typeof d.rev === 'number')
      if (refused.length) {
        const rows = await db.outbox.bulkGet(refused.map((d) => d.rev!))
        const updates = rows.filter((r): r is OutboxRow => !!r).map((row) => ({ ...row, state: 'disallowed' as const, queued: 0 as const }))
        await db.outbox.bulkPut(updates)
        updates.forEach((row) => touched.push({ table: row.table, key: row.change.key }))
      }
      const errors = data.errors ?? []
      if (errors.length) {
        const byRev = new Map(errors.map((e) => [e.server_rev, e]))
        const rows = await db.outbox.where('server_rev').anyOf([...byRev.keys()]).toArray()
        const updates = rows.map((row) => ({ ...row, state: 'errored' as const, queued: 0 as const, errors: byRev.get(row.server_rev!)!.errors ?? null }))
        await db.outbox.bulkPut(updates)
        updates.forEach((row) => touched.push({ table: row.table, key: row.change.key }))
      }
      const successes = [...(data.successes ?? [])].sort((a, b) => a.server_rev - b.server_rev)
      // Our own applied changes and others' are both the server's truth now: into the mirror.
      const applied = [...successes, ...feed].sort((a, b) => a.server_rev - b.server_rev)
      await this.applyToMirror(applied)
      if (successes.length) {
        // The mirror now holds what the outbox row added on top: what a reader sees is
        // unchanged, so no re-read is announced (a 10,000-change import would re-read per chunk).
        // (Successes of rows acknowledged in an earlier answer are found by their server_rev.)
        const earlier = successes.map((s) => s.server_rev).filter((rev) => !doneNowServerRevs.has(rev))
        const done = earlier.length ? await db.outbox.where('server_rev').anyOf(earlier).primaryKeys() : []
        await db.outbox.bulkDelete([...doneNow, ...done])
      }
      await this.advanceMarks([...feed, ...errors, ...successes])
    })
    if (feed.length) {
      this.emit({ type: 'changes', changes: feed })
      this.post_({ t: 'changes', changes: feed })
    }
    if (data.tasks?.length) {
      this.emit({ type: 'tasks', tasks: data.tasks })
      this.post_({ t: 'tasks', tasks: data.tasks })
    }
    this.announceLocal(touched)
    return (data.changes?.length ?? 0) + (data.errors?.length ?? 0) + (data.successes?.length ?? 0)
  }

  private async applyToMirror(changes: FeedChange[]): Promise<void> {
    if (!changes.length) return
    const ids = [...new Set(changes.map((c) => `${c.table}\u0000${keyString(c.key)}`))]
    const pairs = ids.map((id) => id.split('\u0000') as [string, string])
    const existing = await this.db.records.bulkGet(pairs)
    const values = new Map<string, Record<string, unknown> | null | undefined>()
    ids.forEach((id, i) => values.set(id, existing[i]?.value))
    for (const change of changes) {
      const id = `${change.table}\u0000${keyString(change.key)}`
      const before = values.get(id)
      if (before === undefined && change.type !== ChangeType.CREATED) continue // not mirrored
      values.set(id, applyChange(before ?? null, change as unknown as Change))
    }
    const puts = []
    const deletes: [string, string][] = []
    for (const [id, value] of values) {
      if (value === undefined) continue
      const [table, keyStr] = id.split('\u0000') as [string, string]
      if (value === null) deletes.push([table, keyStr])
      else puts.push({ table, keyStr, value })
    }
    if (puts.length) await this.db.records.bulkPut(puts)
    if (deletes.length) await this.db.records.bulkDelete(deletes)
  }

  private async advanceMarks(items: FeedChange[]): Promise<void> {
    if (!items.length) return
    const marks = new Map((await this.db.marks.toArray()).map((m) => [m.channel, m]))
    const changed = new Set<string>()
    let userRev = this.userRev ?? 0
    for (const item of items) {
      const mark = item.channel_id ? marks.get(item.channel_id) : undefined
      if (mark && item.server_rev > mark.rev) {
        mark.rev = item.server_rev
        changed.add(mark.channel)
      }
      if (item.user_id === this.userId && item.server_rev > userRev) userRev = item.server_rev
    }
    if (changed.size) await this.db.marks.bulkPut([...changed].map((c) => marks.get(c)!))
    if (userRev !== this.userRev) {
      this.userRev = userRev
      await this.db.meta.put({ name: 'user_rev', value: userRev })
    }
  }

  // ---- status and tabs -----------------------------------------------------------------

  private browserOnline(): boolean {
    return typeof navigator === 'undefined' || navigator.onLine !== false
  }

  private setSending(sending: boolean): void {
    if (this.status.sending === sending) return
    this.status.sending = sending
    this.broadcastState()
    this.emit({ type: 'status', status: { ...this.status } })
  }

  private broadcastState(): void {
    this.post_({ t: 'state', networkDown: this.networkDown, sending: this.status.sending, needsSignIn: this.status.needsSignIn })
  }

  /** Recount the outbox and tell subscribers (coalesced: one count at a time). Resolves after
   * a count that started after the call: never later than the end of the next count, however
   * many calls keep coming (waiting for the recounting to stop stalled the sending loop for
   * as long as an upload queue kept writing: benchmarks/frontend_uploads.py). */
  refreshStatus(): Promise<void> {
    const counted = new Promise<void>((resolve, reject) => this.statusWaiters.push({ resolve, reject }))
    this.statusRun ??= (async () => {
      while (this.statusWaiters.length) {
        const waiters = this.statusWaiters.splice(0)
        try {
          await this.countStatus()
          waiters.forEach((w) => w.resolve())
        } catch (error) {
          // after stop() the database is closed: nothing to count
          waiters.forEach((w) => (this.stopped ? w.resolve() : w.reject(error)))
        }
      }
    })().finally(() => (this.statusRun = null))
    return counted
  }

  private async countStatus(): Promise<void> {
    if (!this.db.isOpen()) return
    const [pending, refused] = await this.db.transaction('r', this.db.outbox, this.db.records, async () => {
      // Two single-key counts: IndexedDB counts them natively (anyOf() walks a cursor).
      const pending =
        (await this.db.outbox.where('state').equals('pending').count()) + (await this.db.outbox.where('state').equals('sent').count())
      const refused = await this.db.outbox.where('state').anyOf('errored', 'disallowed').limit(500).toArray()
      return [pending, refused] as const
    })
    refused.sort((a, b) => a.rev! - b.rev!)
    const records = await this.db.records.bulkGet(refused.map((row) => [row.table, row.keyStr] as [string, string]))
    const problems: Problem[] = refused.map((row, i) => {
      const value = records[i]?.value
      const label = value ? ((value.name ?? value.title ?? null) as string | null) : null
      return {
        id: row.rev!,
        table: row.table,
        key: row.change.key,
        kind: row.state === 'disallowed' ? 'disallowed' : 'errored',
        message: messageOf(row.errors),
        label,
      }
    })
    this.counted = pending
    this.status = {
      ...this.status,
      pending: pending + this.writing,
      problems,
      online: this.browserOnline() && !this.networkDown,
    }
    this.emit({ type: 'status', status: { ...this.status } })
  }

  private announceLocal(keys: { table: string; key: Key }[]): void {
    void this.refreshStatus()
    this.emit({ type: 'local', keys })
    this.post_({ t: 'local', keys })
  }

  private async onMessage(message: Message): Promise<void> {
    switch (message.t) {
      case 'kick':
        if (this.leader) this.kick()
        break
      case 'local':
        await this.refreshStatus()
        this.emit({ type: 'local', keys: message.keys })
        break
      case 'changes':
        this.emit({ type: 'changes', changes: message.changes })
        break
      case 'tasks':
        this.emit({ type: 'tasks', tasks: message.tasks })
        break
      case 'state':
        this.networkDown = message.networkDown
        this.status.sending = message.sending
        this.status.needsSignIn = message.needsSignIn
        await this.refreshStatus()
        break
      case 'outbox':
        await this.refreshStatus()
        break
    }
  }

  private post_(message: Message): void {
    try {
      this.channel?.postMessage(message)
    } catch {
      // closed
    }
  }

  private emit(event: SyncEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        console.error(error)
      }
    }
  }
}
