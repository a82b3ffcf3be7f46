import { describe, expect, it } from 'vitest'
import { fulfilled, gathered, rejected } from '@/api/gathered'

describe('gathered', () => {
  it('sends the items asked for in the same turn together, and those asked for meanwhile in the next batch', async () => {
    const batches: number[][] = []
    let release!: () => void
    const first = new Promise<void>((resolve) => (release = resolve))
    const ask = gathered(async (batch: number[]) => {
      batches.push(batch)
      if (batches.length === 1) await first
      return batch.map((n) => fulfilled(n * 10))
    })
    const a = [ask(1), ask(2), ask(3)]
    await new Promise((resolve) => setTimeout(resolve, 5))
    const b = [ask(4), ask(5)] // while the first batch is out
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(batches).toEqual([[1, 2, 3]])
    release()
    expect(await Promise.all([...a, ...b])).toEqual([10, 20, 30, 40, 50])
    expect(batches).toEqual([[1, 2, 3], [4, 5]])
  })

  it('fails one item alone, or the whole batch when the run throws, and goes on with the next', async () => {
    let calls = 0
    const ask = gathered(async (batch: string[]) => {
      calls += 1
      if (calls === 2) throw new Error('network down')
      return batch.map((s) => (s === 'bad' ? rejected(new Error(`refused ${s}`)) : fulfilled(s.toUpperCase())))
    })
    const first = await Promise.allSettled([ask('ok'), ask('bad')])
    expect(first[0]).toEqual({ status: 'fulfilled', value: 'OK' })
    expect((first[1] as PromiseRejectedResult).reason.message).toBe('refused bad')
    const second = await Promise.allSettled([ask('x'), ask('y')])
    expect(second.map((o) => (o as PromiseRejectedResult).reason.message)).toEqual(['network down', 'network down'])
    expect(await ask('z')).toBe('Z')
  })

  it('sends at most maxBatch items at once', async () => {
    const sizes: number[] = []
    const ask = gathered(async (batch: number[]) => {
      sizes.push(batch.length)
      return batch.map(fulfilled)
    }, 2)
    await Promise.all([1, 2, 3, 4, 5].map(ask))
    expect(sizes).toEqual([2, 2, 1])
  })
})
