/**
 * The save engine's IndexedDB (Dexie), one database per signed-in user so one account's
 * unsent work is never sent with another's session. Every tab of the browser writes here;
 * only the sending tab (see engine.ts) sends and receives.
 *
 * The outbox's auto-increment `rev` is the change's idempotency key on the server
 * (`(session, client_rev)` is unique): a row is never changed once it left (state `sent`),
 * and the database is never deleted, so a rev is never reused.
 */
import Dexie, { type Table as DexieTable } from 'dexie'
import type { Change } from '@/changes'

export type OutboxState = 'pending' | 'sent' | 'errored' | 'disallowed'

export interface OutboxRow {
  rev?: number
  /** pending: written, not handed to a request yet (may still be merged); sent: handed to
   * a request (server_rev once the server acknowledged it); errored / disallowed: refused. */
  state: OutboxState
  /** 1 while the row must be (re)sent: pending, or sent without an acknowledgement. */
  queued: 0 | 1
  change: Change
  table: string
  keyStr: string
  server_rev: number | null
  errors: unknown
  /** JSON size, for the 256 KB chunk limit */
  size: number
  created: number
}

/** The last known server copy of an object (mirror), without local pending changes. */
export interface RecordRow {
  table: string
  keyStr: string
  value: Record<string, unknown>
}

/** A channel feed's high-water mark; `watched` is refreshed while some tab shows it. */
export interface MarkRow {
  channel: string
  rev: number
  watched: number
}

export interface MetaRow {
  name: string
  value: unknown
}

export class SyncDatabase extends Dexie {
  outbox!: DexieTable<OutboxRow, number>
  records!: DexieTable<RecordRow, [string, string]>
  marks!: DexieTable<MarkRow, string>
  meta!: DexieTable<MetaRow, string>

  constructor(name: string) {
    super(name)
    this.version(1).stores({
      outbox: '++rev, [queued+rev], [table+keyStr], state, server_rev',
      records: '[table+keyStr]',
      marks: 'channel',
      meta: 'name',
    })
  }
}

export function databaseName(userId: number): string {
  return `cc-saving-${userId}`
}
