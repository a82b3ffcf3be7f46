import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useEngine } from '@/api/sync'
import { ChangeType } from '@/changes'
import { draftsOf, keepDraft } from '@/components/exercise/drafts'
import type { QuestionRow } from '@/components/exercise/questions'
import { useQuestionsStore } from '@/stores/questions'
import { useManualEngine } from './manualEngine'

const CHANNEL = 'c'.repeat(32)
const NODE = 'e'.repeat(32)
const [Q1, Q2] = ['1'.repeat(32), '2'.repeat(32)]

function row(id: string, order: number, question: string): QuestionRow {
  return { contentnode: NODE, assessment_id: id, type: 'single_selection', question, answers: '[]', hints: '[]', order, problems: ['needs answers'] }
}

let serverRows: QuestionRow[] = []
/** When set, the questions' read waits for it (a read under way while the curator types). */
let gate: Promise<void> | null = null

useManualEngine('questions', async (url) => {
  if (gate) await gate
  return url.includes('/api/assessmentitem') ? serverRows : []
})

beforeEach(() => {
  localStorage.clear()
  gate = null
  serverRows = [row(Q1, 1, 'First'), row(Q2, 2, 'Second')]
})

const titles = () => useQuestionsStore().list(NODE).map((r) => r.question)

describe('the questions store', () => {
  it('duplicates a question right after it and renumbers the ones after, in the outbox', async () => {
    const questions = useQuestionsStore()
    await questions.load(CHANNEL, NODE)
    const copy = await questions.duplicateQuestion(CHANNEL, NODE, Q1)
    expect(titles()).toEqual(['First', 'First', 'Second'])
    expect(questions.list(NODE).map((r) => r.order)).toEqual([1, 2, 3])
    const changes = await useEngine().localChanges('assessmentitem')
    expect(changes.map((c) => [c.type, c.key, c.obj?.order ?? c.mods?.order])).toEqual([
      [ChangeType.CREATED, [NODE, copy], 2],
      [ChangeType.UPDATED, [NODE, Q2], 3],
    ])
  })

  it('moves a question with the orders that change only', async () => {
    const questions = useQuestionsStore()
    await questions.load(CHANNEL, NODE)
    await questions.moveQuestion(CHANNEL, NODE, 1, 0)
    expect(titles()).toEqual(['Second', 'First'])
    const mods = (await useEngine().localChanges('assessmentitem')).map((c) => [c.key, c.mods])
    expect(mods).toEqual([
      [[NODE, Q2], { order: 1 }],
      [[NODE, Q1], { order: 2 }],
    ])
  })

  it('shows the server verdict only while the question is as the server read it', async () => {
    const questions = useQuestionsStore()
    await questions.load(CHANNEL, NODE)
    expect(questions.problemsOf(questions.list(NODE)[0]!)).toEqual(['needs answers'])
    await questions.updateQuestion(CHANNEL, NODE, Q1, { question: ' ' })
    expect(questions.problemsOf(questions.list(NODE)[0]!)).toEqual(['needs question text', 'needs answers'])
  })

  it('hands a draft left by a closed page to the outbox when the exercise opens again', async () => {
    keepDraft(NODE, Q2, { question: 'Second, typed before closing' })
    const questions = useQuestionsStore()
    await questions.load(CHANNEL, NODE)
    expect(titles()).toEqual(['First', 'Second, typed before closing'])
    const changes = await useEngine().localChanges('assessmentitem')
    expect(changes.map((c) => c.mods)).toEqual([{ question: 'Second, typed before closing' }])
    expect(draftsOf(NODE).size).toBe(0)
  })

  it('keeps an edit made while a read of the questions was under way', async () => {
    const questions = useQuestionsStore()
    await questions.load(CHANNEL, NODE)
    let open!: () => void
    gate = new Promise((resolve) => (open = resolve))
    const reading = questions.load(CHANNEL, NODE, false)
    await questions.updateQuestion(CHANNEL, NODE, Q1, { question: 'First, edited' })
    // The read looks at the outbox before the edit's write has landed there.
    vi.spyOn(useEngine(), 'localChanges').mockResolvedValueOnce([])
    open()
    await reading
    expect(titles()).toEqual(['First, edited', 'Second'])
  })
})
