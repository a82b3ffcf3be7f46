import { describe, expect, it } from 'vitest'
import { moveWithin, parentFor, place, restorePlan, sortPlan } from '@/stores/nodeOrder'

describe('node order', () => {
  const ids = ['a', 'b', 'c', 'd']

  it('places a node by target and position, like the server', () => {
    expect(place(ids, 'd', 'a', 'left', true)).toEqual(['d', 'a', 'b', 'c'])
    expect(place(ids, 'a', 'c', 'right', true)).toEqual(['b', 'c', 'a', 'd'])
    expect(place(ids, 'x', 'p', 'first-child', false)).toEqual(['x', 'a', 'b', 'c', 'd'])
    expect(place(ids, 'x', 'p', 'last-child', true)).toEqual(['a', 'b', 'c', 'd', 'x'])
    // not all loaded: a last child comes with the last page; an unknown anchor: no place
    expect(place(ids, 'x', 'p', 'last-child', false)).toEqual(ids)
    expect(place(ids, 'x', 'zz', 'left', true)).toBeNull()
  })

  it('finds the parent a position gives', () => {
    const parents: Record<string, string> = { a: 'p' }
    expect(parentFor('a', 'left', (id) => parents[id])).toBe('p')
    expect(parentFor('a', 'last-child', (id) => parents[id])).toBe('a')
  })

  it('describes a reorder as one MOVED', () => {
    expect(moveWithin(ids, 2, 0, 'p')).toEqual({ target: 'a', position: 'left' })
    expect(moveWithin(ids, 0, 3, 'p')).toEqual({ target: 'd', position: 'right' })
    expect(moveWithin(['a'], 0, 0, 'p')).toEqual({ target: 'p', position: 'first-child' })
  })

  it('puts removed nodes back at their exact places, neighbours removed too', () => {
    for (const removed of [['a'], ['b', 'c'], ['a', 'b', 'd'], ids]) {
      const plan = restorePlan(ids, new Set(removed), 'p')
      let now: string[] = ids.filter((id) => !removed.includes(id))
      for (const step of plan) now = place(now, step.id, step.target, step.position, true)!
      expect(now).toEqual(ids)
    }
  })
})

describe('sort A–Z', () => {
  const titles: Record<string, string> = { a: 'banana', b: 'Apple', c: 'item 10', d: 'Item 2', e: 'apple' }
  const apply = (ids: string[], plan: ReturnType<typeof sortPlan>) =>
    plan.reduce((list, step) => place(list, step.id, step.target, step.position, true)!, ids)

  it('orders by title, numbers as numbers, case aside, equal titles in their order', () => {
    const ids = ['a', 'b', 'c', 'd', 'e']
    const plan = sortPlan(ids, (id) => titles[id]!, 'p', 'en')
    expect(apply(ids, plan)).toEqual(['b', 'e', 'a', 'd', 'c'])
    expect(plan[0]).toEqual({ id: 'b', target: 'p', position: 'first-child' })
  })

  it('moves nothing before the first child out of place, and nothing when sorted', () => {
    expect(sortPlan(['b', 'e', 'a', 'd', 'c'], (id) => titles[id]!, 'p', 'en')).toEqual([])
    const plan = sortPlan(['b', 'e', 'c', 'd'], (id) => titles[id]!, 'p', 'en')
    expect(plan).toEqual([
      { id: 'd', target: 'e', position: 'right' },
      { id: 'c', target: 'd', position: 'right' },
    ])
  })
})
