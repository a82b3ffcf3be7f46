/**
 * Store tests against the real save engine (on fake IndexedDB) that never sends: what a store
 * queues stays in the outbox, as when offline, and the test plays the server. `fetch` answers
 * with what `respond` returns (a Response, or a body sent as JSON); it is given the URL and the
 * request (method, body). Each test starts with a
 * fresh Pinia and an empty outbox; a file's own beforeEach runs after that.
 */
import { afterAll, beforeAll, beforeEach, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { startEngine, useEngine } from '@/api/sync'

export function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } })
}

export function useManualEngine(name: string, respond: (url: string, init?: RequestInit) => unknown, { userId = 1 } = {}): void {
  beforeAll(async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        const answer = await respond(url, init)
        return answer instanceof Response ? answer : json(answer)
      }),
    )
    startEngine({ userId, userRev: 0, manual: true, locks: null, broadcast: null, dbName: `unit-${name}-${Date.now()}`, post: async () => Response.json({}) })
    await new Promise((resolve) => setTimeout(resolve, 50))
  })

  afterAll(async () => {
    await useEngine().stop()
    vi.unstubAllGlobals()
  })

  beforeEach(async () => {
    setActivePinia(createPinia())
    await useEngine().db.outbox.clear()
  })
}
