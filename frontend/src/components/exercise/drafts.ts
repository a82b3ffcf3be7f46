/**
 * What the curator typed in a question and the save engine has not stored yet, kept in
 * localStorage synchronously on every keystroke. The outbox (IndexedDB) is asynchronous: a
 * page closed during the typing pause, or while the outbox write is under way, would lose
 * the last words. The editor hands a draft to the outbox after the pause and forgets it once
 * the outbox holds it; a draft left by a closed page is handed over when the exercise is
 * opened again (stores/questions.ts `load`).
 */
import type { Mods } from '@/changes'

const PREFIX = 'cc-question-draft:'

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

const keyOf = (nodeId: string, questionId: string) => `${PREFIX}${nodeId}:${questionId}`

export function keepDraft(nodeId: string, questionId: string, mods: Mods): void {
  try {
    storage()?.setItem(keyOf(nodeId, questionId), JSON.stringify({ mods, at: Date.now() }))
  } catch {
    // storage full or disabled: the outbox still gets it after the pause
  }
}

export function forgetDraft(nodeId: string, questionId: string): void {
  storage()?.removeItem(keyOf(nodeId, questionId))
}

/** The drafts left for a node's questions: question id → mods. */
export function draftsOf(nodeId: string): Map<string, Mods> {
  const found = new Map<string, Mods>()
  const store = storage()
  if (!store) return found
  const prefix = `${PREFIX}${nodeId}:`
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i)
    if (!key?.startsWith(prefix)) continue
    try {
      const { mods } = JSON.parse(store.getItem(key) ?? '{}') as { mods?: Mods }
      if (mods && typeof mods === 'object') found.set(key.slice(prefix.length), mods)
    } catch {
      store.removeItem(key)
    }
  }
  return found
}
