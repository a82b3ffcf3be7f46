/**
 * The md5 Web Worker: reads a File a chunk at a time (never whole) and answers its digest,
 * reporting progress, so hashing a 2 GB video leaves the page responsive.
 * In: {id, file}. Out: {id, hashed} while reading, then {id, md5} or {id, error}.
 */
import { Md5 } from './md5'

const CHUNK = 4 * 1024 * 1024

export interface HashRequest {
  id: string
  file: Blob
}

export type HashAnswer = { id: string; hashed: number } | { id: string; md5: string } | { id: string; error: string }

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const { id, file } = event.data
  try {
    const md5 = new Md5()
    for (let at = 0; at < file.size; at += CHUNK) {
      md5.update(new Uint8Array(await file.slice(at, at + CHUNK).arrayBuffer()))
      self.postMessage({ id, hashed: Math.min(at + CHUNK, file.size) } satisfies HashAnswer)
    }
    self.postMessage({ id, md5: md5.hex() } satisfies HashAnswer)
  } catch (error) {
    self.postMessage({ id, error: String(error) } satisfies HashAnswer)
  }
}
