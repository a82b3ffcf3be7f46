import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Md5, md5Hex } from '@/workers/md5'

const text = (s: string) => new TextEncoder().encode(s)

describe('md5', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ])('RFC 1321 vector %j', (input, digest) => {
    expect(md5Hex(text(input))).toBe(digest)
  })

  it('gives the same digest whatever the chunk sizes (block and padding edges)', () => {
    for (const size of [55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_001]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 255)
      const expected = createHash('md5').update(bytes).digest('hex')
      for (const chunk of [1, 3, 64, 100, 4096]) {
        const md5 = new Md5()
        for (let at = 0; at < size; at += chunk) md5.update(bytes.subarray(at, at + chunk))
        expect(md5.hex(), `size ${size} chunk ${chunk}`).toBe(expected)
      }
    }
  })
})
