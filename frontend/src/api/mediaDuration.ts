/**
 * A video's or audio's duration read from its container headers, without decoding: WebM /
 * Matroska `Info/Duration × TimecodeScale`, MP4 `moov/mvhd`. The server requires a duration
 * when an mp4/webm/mp3 is announced (and replaces it with what it reads from the stored
 * bytes); the browser's `<video>` cannot give one for files it cannot decode, so the queue
 * reads the headers first and asks the decoder only when they say nothing. Pure: Vitest
 * checks it on containers built byte by byte.
 */

/** How much of each end of the file is searched (an MP4's moov may sit at the end). */
export const HEAD_BYTES = 1024 * 1024

const INFO_ID = [0x15, 0x49, 0xa9, 0x66]
const TIMECODE_SCALE_ID = [0x2a, 0xd7, 0xb1]
const DURATION_ID = [0x44, 0x89]

function indexOf(bytes: Uint8Array, needle: number[], from = 0, to = bytes.length): number {
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/** An EBML variable-size integer at `at`: [value, its length in bytes]; value -1 = unknown. */
function vint(bytes: Uint8Array, at: number): [number, number] {
  const first = bytes[at] ?? 0
  let length = 1
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++
  if (length > 8) return [-1, 1]
  let value = first & (0xff >> length)
  let allOnes = value === 0xff >> length
  for (let i = 1; i < length; i++) {
    const byte = bytes[at + i] ?? 0
    value = value * 256 + byte
    allOnes &&= byte === 0xff
  }
  return [allOnes ? -1 : value, length]
}

function readUint(bytes: Uint8Array, at: number, length: number): number {
  let value = 0
  for (let i = 0; i < length; i++) value = value * 256 + (bytes[at + i] ?? 0)
  return value
}

/** Seconds from a WebM/Matroska head, or undefined when its Info has no Duration. */
export function webmSeconds(head: Uint8Array): number | undefined {
  const info = indexOf(head, INFO_ID)
  if (info < 0) return undefined
  const [size, sizeLength] = vint(head, info + 4)
  const start = info + 4 + sizeLength
  const end = size < 0 ? head.length : Math.min(head.length, start + size)
  let scale = 1_000_000
  const scaleAt = indexOf(head, TIMECODE_SCALE_ID, start, end)
  if (scaleAt >= 0) {
    const [length, lengthSize] = vint(head, scaleAt + 3)
    if (length > 0 && length <= 8) scale = readUint(head, scaleAt + 3 + lengthSize, length)
  }
  const durationAt = indexOf(head, DURATION_ID, start, end)
  if (durationAt < 0) return undefined
  const [length, lengthSize] = vint(head, durationAt + 2)
  const view = new DataView(head.buffer, head.byteOffset + durationAt + 2 + lengthSize, length === 4 || length === 8 ? length : 0)
  if (length !== 4 && length !== 8) return undefined
  const ticks = length === 4 ? view.getFloat32(0) : view.getFloat64(0)
  const seconds = (ticks * scale) / 1e9
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined
}

/** Seconds from the part of an MP4 holding `mvhd`, or undefined. */
export function mp4Seconds(bytes: Uint8Array): number | undefined {
  const at = indexOf(bytes, [0x6d, 0x76, 0x68, 0x64]) // "mvhd"
  if (at < 0) return undefined
  const body = at + 4
  const version = bytes[body]
  const view = new DataView(bytes.buffer, bytes.byteOffset)
  if (body + 32 > bytes.length) return undefined
  let timescale: number
  let duration: number
  if (version === 1) {
    timescale = view.getUint32(body + 4 + 16)
    duration = view.getUint32(body + 4 + 20) * 2 ** 32 + view.getUint32(body + 4 + 24)
  } else {
    timescale = view.getUint32(body + 4 + 8)
    duration = view.getUint32(body + 4 + 12)
  }
  return timescale > 0 && duration > 0 ? duration / timescale : undefined
}

/** Whole seconds (at least 1) from the file's headers, or undefined. */
export async function durationFromHeaders(file: Blob, format: string): Promise<number | undefined> {
  const read = async (from: number, to: number) => new Uint8Array(await file.slice(from, to).arrayBuffer())
  let seconds: number | undefined
  if (format === 'webm' || format === 'mkv') seconds = webmSeconds(await read(0, HEAD_BYTES))
  else if (format === 'mp4' || format === 'm4v') {
    seconds = mp4Seconds(await read(0, HEAD_BYTES))
    if (seconds === undefined && file.size > HEAD_BYTES) seconds = mp4Seconds(await read(Math.max(0, file.size - HEAD_BYTES), file.size))
  }
  return seconds === undefined ? undefined : Math.max(1, Math.floor(seconds))
}
