/** The page's side of the md5 worker: one worker, hashing a file at a time on request. */
import type { HashAnswer } from './md5.worker'

type Pending = { resolve: (md5: string) => void; reject: (error: Error) => void; progress?: (hashed: number) => void }

let worker: Worker | null = null
const pending = new Map<string, Pending>()
let counter = 0

function start(): Worker {
  if (worker) return worker
  worker = new Worker(new URL('./md5.worker.ts', import.meta.url), { type: 'module' })
  worker.onmessage = (event: MessageEvent<HashAnswer>) => {
    const answer = event.data
    const waiting = pending.get(answer.id)
    if (!waiting) return
    if ('hashed' in answer) waiting.progress?.(answer.hashed)
    else {
      pending.delete(answer.id)
      if ('md5' in answer) waiting.resolve(answer.md5)
      else waiting.reject(new Error(answer.error))
    }
  }
  return worker
}

/** The file's md5 as hex, computed off the main thread. */
export function md5OfFile(file: Blob, progress?: (hashed: number) => void): Promise<string> {
  const id = String(++counter)
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, progress })
    start().postMessage({ id, file })
  })
}
