/**
 * What the always-visible save status shows. The save engine (api/ outbox) drives it through
 * `report`; the status element and the problems panel only read it.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

export interface Problem {
  /** the outbox row's id */
  id: number
  table: string
  key: unknown
  message: string
  kind: 'errored' | 'disallowed'
}

export const useSaveStatusStore = defineStore('saveStatus', () => {
  /** changes written locally and not yet applied by the server */
  const pending = ref(0)
  /** a request to /api/sync/ is in flight */
  const sending = ref(false)
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
  const problems = ref<Problem[]>([])
  const problemsOpen = ref(false)

  /** One of: saving, saved, offline, problems (problems win: they need the curator). */
  const state = computed<'saving' | 'saved' | 'offline' | 'problems'>(() => {
    if (problems.value.length > 0) return 'problems'
    if (!online.value && pending.value > 0) return 'offline'
    if (pending.value > 0 || sending.value) return online.value ? 'saving' : 'offline'
    return 'saved'
  })

  function report(update: { pending?: number; sending?: boolean; online?: boolean; problems?: Problem[] }): void {
    if (update.pending !== undefined) pending.value = update.pending
    if (update.sending !== undefined) sending.value = update.sending
    if (update.online !== undefined) online.value = update.online
    if (update.problems !== undefined) problems.value = update.problems
  }

  return { pending, sending, online, problems, problemsOpen, state, report }
})
