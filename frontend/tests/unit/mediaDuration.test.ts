import { Blob as NodeBlob } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { durationFromHeaders, mp4Seconds, webmSeconds } from '@/api/mediaDuration'

/** An EBML element with an 8-byte size (as tests/media_fixtures.py writes them). */
function element(id: number[], payload: number[]): number[] {
  const size = [0x01, 0, 0, 0, 0, 0, 0, 0]
  let n = payload.length
  for (let i = 7; i > 0; i--) {
    size[i] = n & 0xff
    n = Math.floor(n / 256)
  }
  return [...id, ...size, ...payload]
}

function float64(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  return Array.from(new Uint8Array(view.buffer))
}

function webm(milliseconds: number | null, scale = 1_000_000): Uint8Array {
  const scaleBytes = [(scale >>> 24) & 0xff, (scale >>> 16) & 0xff, (scale >>> 8) & 0xff, scale & 0xff]
  let info = element([0x2a, 0xd7, 0xb1], scaleBytes)
  if (milliseconds !== null) info = [...info, ...element([0x44, 0x89], float64((milliseconds * 1_000_000) / scale))]
  const segment = element([0x18, 0x53, 0x80, 0x67], [...element([0x15, 0x49, 0xa9, 0x66], info), ...element([0x1f, 0x43, 0xb6, 0x75], Array(300).fill(0))])
  return Uint8Array.from([...element([0x1a, 0x45, 0xdf, 0xa3], [0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]), ...segment])
}

// jsdom's Blob has no arrayBuffer(); Node's has, as browsers do.
const blob = (parts: Uint8Array[]) => new NodeBlob(parts) as unknown as Blob

function box(kind: string, payload: number[]): number[] {
  const size = 8 + payload.length
  return [(size >>> 24) & 0xff, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff, ...Array.from(kind, (c) => c.charCodeAt(0)), ...payload]
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
}

describe('durations from container headers', () => {
  it('reads a WebM Info/Duration scaled by its TimecodeScale', () => {
    expect(webmSeconds(webm(12_500))).toBeCloseTo(12.5)
    expect(webmSeconds(webm(90_000, 1_000))).toBeCloseTo(90)
  })

  it('says nothing for a live-recorded WebM without a Duration', () => {
    expect(webmSeconds(webm(null))).toBeUndefined()
    expect(webmSeconds(Uint8Array.from([1, 2, 3]))).toBeUndefined()
  })

  it('reads an MP4 mvhd (version 0 and 1), also when the moov comes last', async () => {
    const v0 = box('moov', box('mvhd', [0, 0, 0, 0, ...u32(0), ...u32(0), ...u32(600), ...u32(600 * 42), ...Array(80).fill(0)]))
    expect(mp4Seconds(Uint8Array.from(v0))).toBe(42)
    const v1 = box('moov', box('mvhd', [1, 0, 0, 0, ...Array(16).fill(0), ...u32(1000), ...u32(0), ...u32(7_000), ...Array(80).fill(0)]))
    expect(mp4Seconds(Uint8Array.from(v1))).toBe(7)
    const moovLast = blob([Uint8Array.from(box('ftyp', Array(16).fill(0))), new Uint8Array(2 * 1024 * 1024), Uint8Array.from(v0)])
    expect(await durationFromHeaders(moovLast, 'mp4')).toBe(42)
  })

  it('floors to whole seconds, at least 1', async () => {
    expect(await durationFromHeaders(blob([webm(400)]), 'webm')).toBe(1)
    expect(await durationFromHeaders(blob([webm(12_900)]), 'webm')).toBe(12)
  })
})
