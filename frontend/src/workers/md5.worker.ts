/**
 * The md5 Web Worker: hashes Files for the page (hashing.ts) with `blobMd5`, reporting
 * progress, so hashing a 2 GB video leaves the page responsive. Several files may be hashed
 * at once (each has its own hasher); a cancel stops one between slices, without an answer.
 * In: {id, file} or {id, cancel}. Out: {id, hashed} while reading, then {id, md5} or {id, error}.
 */
import { blobMd5 } from './blobMd5'

export type HashRequest = { id: string; file: Blob } | { id: string; cancel: true }

export type HashAnswer = { id: string; hashed: number } | { id: string; md5: string } | { id: string; error: string }

const running = new Map<string, { cancelled: boolean }>()
const answer = (message: HashAnswer) => self.postMessage(message)

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const request = event.data
  if ('cancel' in request) {
    const hashing = running.get(request.id)
    if (hashing) hashing.cancelled = true
    return
  }
  const { id, file } = request
  const hashing = { cancelled: false }
  running.set(id, hashing)
  try {
    const md5 = await blobMd5(file, { progress: (hashed) => answer({ id, hashed }), stopped: () => hashing.cancelled })
    if (md5 !== null) answer({ id, md5 })
  } catch (error) {
    answer({ id, error: String(error) })
  } finally {
    running.delete(id)
  }
}
