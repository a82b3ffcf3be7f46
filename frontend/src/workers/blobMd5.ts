/**
 * The md5 of a Blob (a chosen File), read a slice at a time and never whole, so a 2 GB video
 * costs three slices of memory: the next two slices are being read while the current one is
 * hashed by hash-wasm's md5 (WebAssembly, its binary inlined in the bundle). Runs in the md5
 * worker (md5.worker.ts), off the page's thread.
 */
import { createMD5 } from 'hash-wasm'

/**
 * 8 MiB slices, two read ahead. Measured in Debian's Chromium on a 1 GB file from
 * <input type=file> (figures in docs/media-api.md): `slice().arrayBuffer()` beat
 * `FileReaderSync` and `file.stream()` (64 KiB pieces); 8 MiB beat 1, 2 and 4 MiB and matched
 * 16 MiB; reading ahead hid the reads' latency best on the loaded machine at two.
 */
export const SLICE_BYTES = 8 * 1024 * 1024
const READ_AHEAD = 2

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
  const reads: Promise<ArrayBuffer>[] = []
  let requested = 0
  const readAhead = () => {
    for (; reads.length < READ_AHEAD && requested < blob.size; requested += sliceBytes) {
      const read = blob.slice(requested, requested + sliceBytes).arrayBuffer()
      read.catch(() => {}) // a read nobody awaits any more (stopped, or an earlier one failed) must not go unhandled
      reads.push(read)
    }
  }
  readAhead()
  let hashed = 0
  while (reads.length) {
    const slice = await reads.shift()!
    if (stopped?.()) return null
    readAhead()
    md5.update(new Uint8Array(slice))
    hashed += slice.byteLength
    progress?.(hashed)
  }
  return md5.digest('hex')
}
