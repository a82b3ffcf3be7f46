/**
 * The md5 of a Blob (a chosen File), read a slice at a time and never whole, so a 2 GB video
 * costs two slices of memory: the next slice is being read while the current one is hashed
 * by hash-wasm's md5 (WebAssembly, its binary inlined in the bundle). Runs in the md5 worker
 * (md5.worker.ts), off the page's thread.
 */
import { createMD5 } from 'hash-wasm'

/**
 * 8 MiB slices: in Debian's Chromium, a 1 GB file from <input type=file> hashed at ~390 MB/s
 * (4 MiB ~360, 16 MiB ~390, 1 MiB ~190; reading two slices ahead gained nothing more), and
 * `slice().arrayBuffer()` beat `FileReaderSync` (~265) and `stream()` (~240, 64 KiB pieces).
 */
export const SLICE_BYTES = 8 * 1024 * 1024

export interface HashOptions {
  /** Called after each slice with the bytes hashed so far. */
  progress?: (hashed: number) => void
  /** Asked before each slice is hashed: true stops reading, and the answer is null. */
  stopped?: () => boolean
  sliceBytes?: number
}

/** The blob's md5 as hex, or null when `stopped` said so. A failed read rejects. */
export async function blobMd5(blob: Blob, { progress, stopped, sliceBytes = SLICE_BYTES }: HashOptions = {}): Promise<string | null> {
  const md5 = await createMD5()
  const read = (at: number) => blob.slice(at, at + sliceBytes).arrayBuffer()
  let next: Promise<ArrayBuffer> | null = blob.size > 0 ? read(0) : null
  for (let at = 0; next; at += sliceBytes) {
    const slice = await next
    if (stopped?.()) return null
    next = at + sliceBytes < blob.size ? read(at + sliceBytes) : null
    md5.update(new Uint8Array(slice))
    progress?.(Math.min(at + sliceBytes, blob.size))
  }
  return md5.digest('hex')
}
