/**
 * An incremental MD5 (RFC 1321) for the upload queue: bytes are fed a chunk at a time so a
 * 2 GB file never sits in memory, and the digest is the lower-case hex the server compares
 * with `checksum`. Used inside the md5 Web Worker; pure, so Vitest checks it against the
 * RFC's vectors.
 */

export class Md5 {
  private state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476])
  private buffer = new Uint8Array(64)
  private buffered = 0
  private length = 0

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

  /** One 64-byte block, the 64 steps written out (about 5× faster than a loop in V8). */
  private block(bytes: Uint8Array, offset: number): void {
    const m0 = bytes[offset + 0]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)
    const m1 = bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)
    const m2 = bytes[offset + 8]! | (bytes[offset + 9]! << 8) | (bytes[offset + 10]! << 16) | (bytes[offset + 11]! << 24)
    const m3 = bytes[offset + 12]! | (bytes[offset + 13]! << 8) | (bytes[offset + 14]! << 16) | (bytes[offset + 15]! << 24)
    const m4 = bytes[offset + 16]! | (bytes[offset + 17]! << 8) | (bytes[offset + 18]! << 16) | (bytes[offset + 19]! << 24)
    const m5 = bytes[offset + 20]! | (bytes[offset + 21]! << 8) | (bytes[offset + 22]! << 16) | (bytes[offset + 23]! << 24)
    const m6 = bytes[offset + 24]! | (bytes[offset + 25]! << 8) | (bytes[offset + 26]! << 16) | (bytes[offset + 27]! << 24)
    const m7 = bytes[offset + 28]! | (bytes[offset + 29]! << 8) | (bytes[offset + 30]! << 16) | (bytes[offset + 31]! << 24)
    const m8 = bytes[offset + 32]! | (bytes[offset + 33]! << 8) | (bytes[offset + 34]! << 16) | (bytes[offset + 35]! << 24)
    const m9 = bytes[offset + 36]! | (bytes[offset + 37]! << 8) | (bytes[offset + 38]! << 16) | (bytes[offset + 39]! << 24)
    const m10 = bytes[offset + 40]! | (bytes[offset + 41]! << 8) | (bytes[offset + 42]! << 16) | (bytes[offset + 43]! << 24)
    const m11 = bytes[offset + 44]! | (bytes[offset + 45]! << 8) | (bytes[offset + 46]! << 16) | (bytes[offset + 47]! << 24)
    const m12 = bytes[offset + 48]! | (bytes[offset + 49]! << 8) | (bytes[offset + 50]! << 16) | (bytes[offset + 51]! << 24)
    const m13 = bytes[offset + 52]! | (bytes[offset + 53]! << 8) | (bytes[offset + 54]! << 16) | (bytes[offset + 55]! << 24)
    const m14 = bytes[offset + 56]! | (bytes[offset + 57]! << 8) | (bytes[offset + 58]! << 16) | (bytes[offset + 59]! << 24)
    const m15 = bytes[offset + 60]! | (bytes[offset + 61]! << 8) | (bytes[offset + 62]! << 16) | (bytes[offset + 63]! << 24)
    const s = this.state
    let a = s[0]!
    let b = s[1]!
    let c = s[2]!
    let d = s[3]!
    let t: number
    t = (a + ((b & c) | (~b & d)) + -680876936 + m0) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + ((a & b) | (~a & c)) + -389564586 + m1) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + ((d & a) | (~d & b)) + 606105819 + m2) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + ((c & d) | (~c & a)) + -1044525330 + m3) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + ((b & c) | (~b & d)) + -176418897 + m4) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + ((a & b) | (~a & c)) + 1200080426 + m5) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + ((d & a) | (~d & b)) + -1473231341 + m6) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + ((c & d) | (~c & a)) + -45705983 + m7) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + ((b & c) | (~b & d)) + 1770035416 + m8) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + ((a & b) | (~a & c)) + -1958414417 + m9) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + ((d & a) | (~d & b)) + -42063 + m10) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + ((c & d) | (~c & a)) + -1990404162 + m11) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + ((b & c) | (~b & d)) + 1804603682 + m12) | 0
    a = (b + ((t << 7) | (t >>> 25))) | 0
    t = (d + ((a & b) | (~a & c)) + -40341101 + m13) | 0
    d = (a + ((t << 12) | (t >>> 20))) | 0
    t = (c + ((d & a) | (~d & b)) + -1502002290 + m14) | 0
    c = (d + ((t << 17) | (t >>> 15))) | 0
    t = (b + ((c & d) | (~c & a)) + 1236535329 + m15) | 0
    b = (c + ((t << 22) | (t >>> 10))) | 0
    t = (a + ((d & b) | (~d & c)) + -165796510 + m1) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + ((c & a) | (~c & b)) + -1069501632 + m6) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + ((b & d) | (~b & a)) + 643717713 + m11) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + ((a & c) | (~a & d)) + -373897302 + m0) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + ((d & b) | (~d & c)) + -701558691 + m5) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + ((c & a) | (~c & b)) + 38016083 + m10) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + ((b & d) | (~b & a)) + -660478335 + m15) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + ((a & c) | (~a & d)) + -405537848 + m4) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + ((d & b) | (~d & c)) + 568446438 + m9) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + ((c & a) | (~c & b)) + -1019803690 + m14) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + ((b & d) | (~b & a)) + -187363961 + m3) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + ((a & c) | (~a & d)) + 1163531501 + m8) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + ((d & b) | (~d & c)) + -1444681467 + m13) | 0
    a = (b + ((t << 5) | (t >>> 27))) | 0
    t = (d + ((c & a) | (~c & b)) + -51403784 + m2) | 0
    d = (a + ((t << 9) | (t >>> 23))) | 0
    t = (c + ((b & d) | (~b & a)) + 1735328473 + m7) | 0
    c = (d + ((t << 14) | (t >>> 18))) | 0
    t = (b + ((a & c) | (~a & d)) + -1926607734 + m12) | 0
    b = (c + ((t << 20) | (t >>> 12))) | 0
    t = (a + (b ^ c ^ d) + -378558 + m5) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + -2022574463 + m8) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + 1839030562 + m11) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + -35309556 + m14) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (b ^ c ^ d) + -1530992060 + m1) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + 1272893353 + m4) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + -155497632 + m7) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + -1094730640 + m10) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (b ^ c ^ d) + 681279174 + m13) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + -358537222 + m0) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + -722521979 + m3) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + 76029189 + m6) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (b ^ c ^ d) + -640364487 + m9) | 0
    a = (b + ((t << 4) | (t >>> 28))) | 0
    t = (d + (a ^ b ^ c) + -421815835 + m12) | 0
    d = (a + ((t << 11) | (t >>> 21))) | 0
    t = (c + (d ^ a ^ b) + 530742520 + m15) | 0
    c = (d + ((t << 16) | (t >>> 16))) | 0
    t = (b + (c ^ d ^ a) + -995338651 + m2) | 0
    b = (c + ((t << 23) | (t >>> 9))) | 0
    t = (a + (c ^ (b | ~d)) + -198630844 + m0) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + 1126891415 + m7) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + -1416354905 + m14) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + -57434055 + m5) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    t = (a + (c ^ (b | ~d)) + 1700485571 + m12) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + -1894986606 + m3) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + -1051523 + m10) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + -2054922799 + m1) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    t = (a + (c ^ (b | ~d)) + 1873313359 + m8) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + -30611744 + m15) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + -1560198380 + m6) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + 1309151649 + m13) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    t = (a + (c ^ (b | ~d)) + -145523070 + m4) | 0
    a = (b + ((t << 6) | (t >>> 26))) | 0
    t = (d + (b ^ (a | ~c)) + -1120210379 + m11) | 0
    d = (a + ((t << 10) | (t >>> 22))) | 0
    t = (c + (a ^ (d | ~b)) + 718787259 + m2) | 0
    c = (d + ((t << 15) | (t >>> 17))) | 0
    t = (b + (d ^ (c | ~a)) + -343485551 + m9) | 0
    b = (c + ((t << 21) | (t >>> 11))) | 0
    s[0] = (s[0]! + a) | 0
    s[1] = (s[1]! + b) | 0
    s[2] = (s[2]! + c) | 0
    s[3] = (s[3]! + d) | 0
  }
}

export function md5Hex(bytes: Uint8Array): string {
  return new Md5().update(bytes).hex()
}
