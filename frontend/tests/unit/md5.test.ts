// @vitest-environment node
// Node's Blob reads slices like a browser File; the worker runs in-process (only the thread
// boundary is stood in for), so these exercise the page's md5OfFile, the worker's messages and
// hash-wasm's md5 together. Chromium runs the real worker in tests/e2e/uploads*.spec.ts.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { blobMd5, SLICE_BYTES } from '@/workers/blobMd5'
import type { HashAnswer, HashRequest } from '@/workers/md5.worker'

const MB = 1024 * 1024
const bytes = (size: number, seed = 7) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed + (i >> 11)) & 255)
const nodeMd5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')
const text = (s: string) => new Blob([s])

describe('blobMd5', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ])('RFC 1321 vector %j', async (input, digest) => {
    expect(await blobMd5(text(input))).toBe(digest)
  })

  it('hashes a file of several slices whose size is not a multiple of the slice, reporting each', async () => {
    const data = bytes(2 * SLICE_BYTES + 12_345)
    const progress: number[] = []
    expect(await blobMd5(new Blob([data]), { progress: (hashed) => progress.push(hashed) })).toBe(nodeMd5(data))
    expect(progress).toEqual([SLICE_BYTES, 2 * SLICE_BYTES, data.length])
  })

  it('gives the same digest whatever the slice size (md5 block and padding edges)', async () => {
    for (const size of [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 70_001]) {
      const data = bytes(size, size)
      for (const sliceBytes of [1, 3, 64, 100, 4096]) {
        expect(await blobMd5(new Blob([data]), { sliceBytes }), `size ${size}, slices of ${sliceBytes}`).toBe(nodeMd5(data))
      }
    }
  })

  it('stops reading when told, answering null', async () => {
    const blob = new Blob([bytes(10_000)])
    const sliced = vi.spyOn(blob, 'slice')
    const progress: number[] = []
    const md5 = await blobMd5(blob, { sliceBytes: 1000, progress: (hashed) => progress.push(hashed), stopped: () => progress.length === 3 })
    expect(md5).toBeNull()
    expect(progress).toEqual([1000, 2000, 3000])
    expect(sliced.mock.calls.length).toBe(5) // the 4th and 5th were read ahead; not the other 5
  })

  it('rejects when the file cannot be read (changed or removed on disk)', async () => {
    const gone = new Blob([bytes(3000)])
    vi.spyOn(gone, 'slice').mockImplementation(() => ({ arrayBuffer: () => Promise.reject(new Error('NotReadableError')) }) as unknown as Blob)
    await expect(blobMd5(gone, { sliceBytes: 1000 })).rejects.toThrow('NotReadableError')
  })
})

describe('md5OfFile through the md5 worker', () => {
  // The worker's global scope, and a Worker that delivers messages to it asynchronously.
  const posted: HashAnswer[] = []
  const scope = { onmessage: null as ((event: MessageEvent<HashRequest>) => void) | null, postMessage: (_: HashAnswer) => {} }
  class InProcessWorker {
    onmessage: ((event: MessageEvent<HashAnswer>) => void) | null = null
    onerror: ((event: ErrorEvent) => void) | null = null
    constructor() {
      scope.postMessage = (answer) => {
        posted.push(answer)
        queueMicrotask(() => this.onmessage?.({ data: answer } as MessageEvent<HashAnswer>))
      }
    }
    postMessage(request: HashRequest) {
      queueMicrotask(() => scope.onmessage!({ data: request } as MessageEvent<HashRequest>))
    }
    terminate() {}
  }
  let md5OfFile: typeof import('@/workers/hashing').md5OfFile

  beforeAll(async () => {
    vi.stubGlobal('self', scope)
    vi.stubGlobal('Worker', InProcessWorker)
    await import('@/workers/md5.worker')
    ;({ md5OfFile } = await import('@/workers/hashing'))
  })
  afterAll(() => vi.unstubAllGlobals())

  it('answers the md5 of an empty file, and of files hashed at the same time, with progress', async () => {
    const big = bytes(SLICE_BYTES + 1, 1)
    const small = bytes(5 * MB, 2)
    const progress: number[] = []
    const answers = await Promise.all([
      md5OfFile(new Blob([])),
      md5OfFile(new Blob([big]), (hashed) => progress.push(hashed)),
      md5OfFile(new Blob([small])),
    ])
    expect(answers).toEqual(['d41d8cd98f00b204e9800998ecf8427e', nodeMd5(big), nodeMd5(small)])
    expect(progress).toEqual([SLICE_BYTES, SLICE_BYTES + 1])
  })

  it('a pause (abort) rejects at once and stops the worker reading the file', async () => {
    const size = 4 * SLICE_BYTES + 1
    const pause = new AbortController()
    const hashing = md5OfFile(new Blob([bytes(size, 3)]), () => pause.abort(new DOMException('paused', 'AbortError')), pause.signal)
    await expect(hashing).rejects.toThrow('paused')
    await new Promise((resolve) => setTimeout(resolve, 200)) // time for the worker to go on, were it to
    const mine = posted.filter((answer) => answer.id === posted.at(-1)!.id)
    expect(mine.some((answer) => 'md5' in answer)).toBe(false)
    expect(Math.max(...mine.map((answer) => ('hashed' in answer ? answer.hashed : 0)))).toBeLessThan(size)
  })

  it('an already aborted signal rejects without hashing', async () => {
    const before = posted.length
    await expect(md5OfFile(new Blob(['abc']), undefined, AbortSignal.abort(new Error('paused before')))).rejects.toThrow('paused before')
    expect(posted.length).toBe(before)
  })

  it('a file that cannot be read rejects with the reason', async () => {
    const gone = new Blob([bytes(3000)])
    vi.spyOn(gone, 'slice').mockImplementation(() => ({ arrayBuffer: () => Promise.reject(new Error('NotReadableError')) }) as unknown as Blob)
    await expect(md5OfFile(gone)).rejects.toThrow('NotReadableError')
  })
})
