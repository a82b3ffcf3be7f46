/**
 * What the always-visible save status shows. The save engine (api/sync) drives it through
 * `connect` (or `report`); the status element and the problems panel read it and call
 * `retry` / `discard`, which the engine carries out.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { SaveEngine } from '@/api/sync'

export interface Problem {
  /** the outbox row's id */
  id: number
  table: string
  key: unknown
  message: string
  kind: 'errored' | 'disallowed'
  /** the object's name or title, when known */
  label?: string | null
}

export const useSaveStatusStore = defineStore('saveStatus', () => {
  /** changes written locally and not yet applied by the server */
  const pending = ref(0)
  /** a request to /api/sync/ carrying changes is in flight (not a poll) */
  const sending = ref(false)
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
  const problems = ref<Problem[]>([])
  const problemsOpen = ref(false)
  /** the server answered 403: the session expired; the outbox waits for a new sign-in */
  const needsSignIn = ref(false)
  let engine: SaveEngine | null = null

  /** One of: saving, saved, offline, problems, signin (problems win: they need the curator). */
  const state = computed<'saving' | 'saved' | 'offline' | 'problems' | 'signin'>(() => {
    if (problems.value.length > 0) return 'problems'
    if (needsSignIn.value && pending.value > 0) return 'signin'
    if (!online.value && pending.value > 0) return 'offline'
    if (pending.value > 0 || sending.value) return online.value ? 'saving' : 'offline'
    return 'saved'
  })
  /** what signing out would lose: waiting and refused changes */
  const unsaved = computed(() => pending.value + problems.value.length)

  function report(update: { pending?: number; sending?: boolean; online?: boolean; problems?: Problem[]; needsSignIn?: boolean }): void {
    if (update.pending !== undefined) pending.value = update.pending
    if (update.sending !== undefined) sending.value = update.sending
    if (update.online !== undefined) online.value = update.online
    if (update.problems !== undefined) problems.value = update.problems
    if (update.needsSignIn !== undefined) needsSignIn.value = update.needsSignIn
  }

  function connect(saveEngine: SaveEngine): void {
    engine = saveEngine
    saveEngine.subscribe((event) => {
      if (event.type === 'status') report(event.status)
    })
  }

  async function retry(id: number): Promise<void> {
    await engine?.retry(id)
  }

  async function discard(id: number): Promise<void> {
    await engine?.discard(id)
  }

  /** Sign-out after an explicit "discard": forget every unsaved change. */
  async function discardAll(): Promise<void> {
    await engine?.discardAll()
  }

  return { pending, sending, online, problems, problemsOpen, needsSignIn, state, unsaved, report, connect, retry, discard, discardAll }
})
