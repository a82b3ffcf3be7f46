import { describe, expect, it } from 'vitest'
import { UndoStack } from '@/stores/undoStack'

/** A value changed by steps, with a log of what ran. */
function counter() {
  const state = { value: 0, log: [] as string[] }
  const step = (by: number, mergeKey?: string) => ({
    label: `add ${by}`,
    mergeKey,
    undo: () => {
      state.value -= by
      state.log.push(`undo ${by}`)
    },
    redo: () => {
      state.value += by
      state.log.push(`redo ${by}`)
    },
  })
  return { state, step }
}

describe('the undo stack', () => {
  it('undoes newest first, redoes in the order undone, and a new step ends the redo branch', async () => {
    const stack = new UndoStack()
    const { state, step } = counter()
    for (const by of [1, 10, 100]) {
      state.value += by
      stack.push(step(by))
    }
    expect(stack.canRedo).toBe(false)
    await stack.undo()
    await stack.undo()
    expect(state.value).toBe(1)
    expect(state.log).toEqual(['undo 100', 'undo 10'])
    expect(stack.size).toEqual({ past: 1, future: 2 })
    await stack.redo()
    expect(state.value).toBe(11)
    state.value += 1000
    stack.push(step(1000))
    expect(stack.canRedo).toBe(false)
    expect(await stack.redo()).toBeNull()
    await stack.undo()
    await stack.undo()
    await stack.undo()
    expect(state.value).toBe(0)
    expect(await stack.undo()).toBeNull()
  })

  it('merges steps with the same key close in time: one undo reverts them all', async () => {
    let now = 0
    const stack = new UndoStack({ mergeWindowMs: 1000, now: () => now })
    const state = { title: 'Old' }
    const edit = (to: string, from: string) => ({
      label: 'edit',
      mergeKey: 'title',
      undo: () => void (state.title = from),
      redo: () => void (state.title = to),
    })
    state.title = 'Ne'
    stack.push(edit('Ne', 'Old'))
    now = 500
    state.title = 'New'
    stack.push(edit('New', 'Ne'))
    now = 5000 // a later edit of the same field is its own step
    state.title = 'Newer'
    stack.push(edit('Newer', 'New'))
    expect(stack.size.past).toBe(2)
    await stack.undo()
    expect(state.title).toBe('New')
    await stack.undo()
    expect(state.title).toBe('Old')
    await stack.redo()
    expect(state.title).toBe('New')
    await stack.redo()
    expect(state.title).toBe('Newer')
  })

  it('runs one undo at a time, in the order asked', async () => {
    const stack = new UndoStack()
    const log: string[] = []
    const slow = (name: string, ms: number) => ({
      label: name,
      undo: () => new Promise<void>((resolve) => setTimeout(() => resolve(void log.push(name)), ms)),
      redo: () => undefined,
    })
    stack.push(slow('first', 1))
    stack.push(slow('second', 30))
    await Promise.all([stack.undo(), stack.undo()])
    expect(log).toEqual(['second', 'first'])
  })

  it("undoes a given step only while it is the newest (a toast's Undo after other edits does nothing)", async () => {
    const stack = new UndoStack()
    const { state, step } = counter()
    const deleted = stack.push(step(1))
    state.value = 1
    stack.push(step(2))
    state.value = 3
    expect(await stack.undo(deleted)).toBeNull()
    expect(state.value).toBe(3)
    await stack.undo()
    expect((await stack.undo(deleted))?.id).toBe(deleted)
    expect(state.value).toBe(0)
  })

  it('keeps at most `limit` steps', () => {
    const stack = new UndoStack({ limit: 3 })
    const { step } = counter()
    for (let i = 0; i < 5; i += 1) stack.push(step(i))
    expect(stack.size.past).toBe(3)
    expect(stack.top?.label).toBe('add 4')
  })
})
