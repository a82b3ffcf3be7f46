/**
 * THE one place the list, settings and sharing pages' changes leave the page: they go into the
 * save engine's durable outbox (api/sync), which sends them, shows them in the save status and
 * lists refused ones in the problems panel. The answer is each change's outcome once the
 * server has it (a few seconds at most), else 'pending': offline, it stays in the outbox and
 * is sent later.
 *
 * Only before the engine has started (a page with no signed-in user, unit tests) is a batch
 * posted straight to /api/sync/ (session cookie + CSRF header) with each change's outcome
 * read from the answer: our server applies a batch inside the request.
 */
import type { Change as EngineChange } from '@/changes'
import { request } from './http'
import { engineStarted, useEngine } from './sync'
import type { Change } from './writes'

export type ChangeStatus = 'applied' | 'errored' | 'disallowed' | 'pending'

export interface ChangeOutcome {
  status: ChangeStatus
  /** the server's errors for this change: a list of messages or a {field: [messages]} map */
  errors?: unknown
}

export class SyncRequestError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail || `HTTP ${status}`)
  }
}

interface SyncAnswer {
  allowed: { rev: number; server_rev: number }[]
  disallowed: { rev?: number }[]
  successes: { server_rev: number }[]
  errors: { server_rev: number; errors?: unknown }[]
}

// Revs must be unique per session (the server recognises a re-post by session + rev). The
// outbox will number its rows 1, 2, 3…; these temporary ones live far above that range.
const REV_BASE = 2 ** 30
function freshRev(): number {
  return REV_BASE + Math.floor(Math.random() * (2 ** 31 - REV_BASE))
}

/** Send changes as one batch; one outcome per change, in order. Throws SyncRequestError on a
 * non-200 answer (e.g. 403 once the session expired) and TypeError when offline. */
export async function sendChanges(changes: Change[]): Promise<ChangeOutcome[]> {
  if (engineStarted()) {
    const engine = useEngine()
    const revs = await engine.enqueueMany(changes as unknown as EngineChange[])
    void engine.flush()
    const outcomes = await engine.settle(revs)
    return outcomes.map((o): ChangeOutcome => (o.errors === undefined ? { status: o.state } : { status: o.state, errors: o.errors }))
  }
  const revs = changes.map(() => freshRev())
  const body = {
    changes: changes.map((change, index) => ({ ...change, rev: revs[index] })),
    // Only our own outcomes are wanted here (they come back whatever the marks): the feed
    // of others' changes is the save engine's job, so ask for nothing older than "now".
    user_rev: Number.MAX_SAFE_INTEGER,
    channel_revs: {},
  }
  const response = await request('POST', '/api/sync/', body)
  if (!response.ok) {
    let detail = ''
    try {
      const parsed = (await response.json()) as { detail?: string }
      detail = parsed.detail ?? ''
    } catch {
      // not JSON
    }
    throw new SyncRequestError(response.status, detail)
  }
  const answer = (await response.json()) as SyncAnswer
  const serverRevOf = new Map(answer.allowed.map((a) => [a.rev, a.server_rev]))
  const disallowed = new Set(answer.disallowed.map((d) => d.rev))
  const applied = new Set(answer.successes.map((s) => s.server_rev))
  const failed = new Map(answer.errors.map((e) => [e.server_rev, e.errors]))
  return revs.map((rev): ChangeOutcome => {
    if (disallowed.has(rev)) return { status: 'disallowed' }
    const serverRev = serverRevOf.get(rev)
    if (serverRev === undefined) return { status: 'pending' }
    if (failed.has(serverRev)) return { status: 'errored', errors: failed.get(serverRev) }
    if (applied.has(serverRev)) return { status: 'applied' }
    return { status: 'pending' }
  })
}

/** A readable line from a change's errors ({"name": ["..."]} or ["..."]). */
export function describeErrors(errors: unknown): string {
  if (errors == null) return ''
  if (typeof errors === 'string') return errors
  if (Array.isArray(errors)) return errors.map(describeErrors).join(' ')
  if (typeof errors === 'object') {
    return Object.entries(errors as Record<string, unknown>)
      .map(([field, value]) => `${field}: ${describeErrors(value)}`)
      .join('; ')
  }
  return String(errors)
}
