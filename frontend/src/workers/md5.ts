/**
 * An incremental MD5 (RFC 1321) for the upload queue: bytes are fed a chunk at a time so a
 * 2 GB file never sits in memory, and the digest is the lower-case hex the server compares
 * with `checksum`. Used inside the md5 Web Worker; pure, so Vitest checks it against the
 * RFC's vectors.
 */

const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
const K = new Int32Array(64)
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0

export class Md5 {
  private state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476])
  private buffer = new Uint8Array(64)
  private buffered = 0
  private length = 0
  private words = new Int32Array(16)

  update(bytes: Uint8Array): this {
    let offset = 0
    this.length += bytes.length
    if (this.buffered) {
      const take = Math.min(64 - this.buffered, bytes.length)
      this.buffer.set(bytes.subarray(0, take), this.buffered)
      this.buffered += take
      offset = take
      if (this.buffered < 64) return this
      this.block(this.buffer, 0)
      this.buffered = 0
    }
    for (; offset + 64 <= bytes.length; offset += 64) this.block(bytes, offset)
    if (offset < bytes.length) {
      this.buffer.set(bytes.subarray(offset), 0)
      this.buffered = bytes.length - offset
    }
    return this
  }

  /** The digest as 32 hex digits; the instance is spent afterwards. */
  hex(): string {
    const bits = this.length * 8
    const tail = new Uint8Array(this.buffered < 56 ? 64 : 128)
    tail.set(this.buffer.subarray(0, this.buffered))
    tail[this.buffered] = 0x80
    const view = new DataView(tail.buffer)
    view.setUint32(tail.length - 8, bits >>> 0, true)
    view.setUint32(tail.length - 4, Math.floor(bits / 2 ** 32), true)
    for (let offset = 0; offset < tail.length; offset += 64) this.block(tail, offset)
    const out = new Uint8Array(this.state.buffer)
    return Array.from(out, (b) => b.toString(16).padStart(2, '0')).join('')
  }

  private block(bytes: Uint8Array, offset: number): void {
    const m = this.words
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4
      m[i] = bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24)
    }
    const s = this.state
    let a = s[0]!
    let b = s[1]!
    let c = s[2]!
    let d = s[3]!
    for (let i = 0; i < 64; i++) {
      let f: number
      let g: number
      if (i < 16) {
        f = (b & c) | (~b & d)
        g = i
      } else if (i < 32) {
        f = (d & b) | (~d & c)
        g = (5 * i + 1) & 15
      } else if (i < 48) {
        f = b ^ c ^ d
        g = (3 * i + 5) & 15
      } else {
        f = c ^ (b | ~d)
        g = (7 * i) & 15
      }
      const shift = SHIFTS[(i >> 4) * 4 + (i & 3)]!
      const sum = (a + f + K[i]! + m[g]!) | 0
      a = d
      d = c
      c = b
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0
    }
    s[0] = (s[0]! + a) | 0
    s[1] = (s[1]! + b) | 0
    s[2] = (s[2]! + c) | 0
    s[3] = (s[3]! + d) | 0
  }
}

export function md5Hex(bytes: Uint8Array): string {
  return new Md5().update(bytes).hex()
}
