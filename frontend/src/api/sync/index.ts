/** The app's one save engine (per signed-in user); see engine.ts. */
import { SaveEngine, type EngineOptions } from './engine'

export { SaveEngine } from './engine'
export type { EngineStatus, FeedChange, Problem, SyncEvent } from './engine'

let engine: SaveEngine | null = null

export function startEngine(options: EngineOptions): SaveEngine {
  if (!engine) {
    engine = new SaveEngine(options)
    void engine.start()
  }
  return engine
}

/** The running engine; throws before sign-in (nothing can be saved without a user). */
export function useEngine(): SaveEngine {
  if (!engine) throw new Error('The save engine starts after sign-in')
  return engine
}

export function engineStarted(): boolean {
  return engine !== null
}
