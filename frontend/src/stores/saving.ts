/**
 * Starts the save engine for the signed-in user and connects the save status to it; also
 * registers the service worker that lets the app reload while offline (the outbox and the
 * mirror are in IndexedDB, so the page comes back with every unsent change).
 */
import type { Pinia } from 'pinia'
import { startEngine } from '@/api/sync'
import { useSaveStatusStore } from './saveStatus'
import { useSessionStore } from './session'

export function startSaving(pinia: Pinia): void {
  const user = useSessionStore(pinia).user
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    navigator.serviceWorker.register('/app-sw.js', { scope: '/' }).catch(() => undefined)
  }
  if (!user) return
  const engine = startEngine({ userId: user.id, userRev: user.user_rev })
  useSaveStatusStore(pinia).connect(engine)
}
