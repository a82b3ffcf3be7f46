/** The page's side of the md5 worker: one worker, hashing files on request. */
import type { HashAnswer, HashRequest } from './md5.worker'

type Pending = { resolve: (md5: string) => void; reject: (error: unknown) => void; progress?: (hashed: number) => void }

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
  worker.onerror = (event) => {
    // the worker's script did not load or threw outside a request: nothing pending will answer
    event.preventDefault()
    const error = new Error(`The md5 worker failed: ${event.message || 'it did not load'}`)
    for (const waiting of pending.values()) waiting.reject(error)
    pending.clear()
    worker?.terminate()
    worker = null
  }
  return worker
}

/**
 * The file's md5 as hex, computed off the main thread; `progress` hears the bytes hashed so
 * far. Aborting `signal` stops the worker reading and rejects with the signal's reason.
 */
export function md5OfFile(file: Blob, progress?: (hashed: number) => void, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  const id = String(++counter)
  const post = (request: HashRequest) => start().postMessage(request)
  return new Promise<string>((resolve, reject) => {
    const cancel = () => {
      if (!pending.delete(id)) return
      post({ id, cancel: true })
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', cancel, { once: true })
    const settled = () => signal?.removeEventListener('abort', cancel)
    pending.set(id, {
      resolve: (md5) => (settled(), resolve(md5)),
      reject: (error) => (settled(), reject(error)),
      progress,
    })
    post({ id, file })
  })
}
