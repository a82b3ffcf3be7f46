/**
 * An exercise's questions as the editor works with them, pure (no Vue, no I/O): the wire
 * shape of an `assessmentitem` row (spec 4.4: `answers` and `hints` are JSON-encoded
 * strings), what changing a question's type does to its answers, and the problems the server
 * names for a question (nodes/completeness.py `question_problems`, the same rules, so the
 * verdict shows while the curator types; the server's own list replaces it once saved).
 */

export const QUESTION_TYPES = ['single_selection', 'multiple_selection', 'true_false', 'input_question', 'free_response'] as const
export type QuestionType = (typeof QUESTION_TYPES)[number]

export interface Answer {
  answer: string
  correct: boolean
  order: number
}

export interface Hint {
  hint: string
  order: number
}

/** An `assessmentitem` row as the server reads and writes it. */
export interface QuestionRow {
  contentnode: string
  assessment_id: string
  type: string
  question: string
  answers: string
  hints: string
  order: number
  randomize?: boolean
  raw_data?: string
  source_url?: string | null
  deleted?: boolean
  /** the server's verdict (read only): `[]` when publishable */
  problems?: string[]
  [field: string]: unknown
}

export const NEEDS_TEXT = 'needs question text'
export const NEEDS_ANSWERS = 'needs answers'
export const NEEDS_CORRECT_ANSWER = 'needs a correct answer'
export const NEEDS_ONE_CORRECT_ANSWER = 'needs exactly one correct answer'
const SINGLE_ANSWER_TYPES = new Set(['single_selection', 'true_false'])

/** The fields a question's verdict depends on (a row whose values equal the server's read
 * shows the server's `problems`). */
export const VERDICT_FIELDS = ['type', 'question', 'answers'] as const

function parseList<T>(text: string | undefined | null): T[] {
  try {
    const value: unknown = JSON.parse(text || '[]')
    return Array.isArray(value) ? (value.filter((item) => item && typeof item === 'object') as T[]) : []
  } catch {
    return []
  }
}

/** A row's answers, in order. */
export function answersOf(row: Pick<QuestionRow, 'answers'>): Answer[] {
  return parseList<Answer>(row.answers)
    .map((a) => ({ answer: typeof a.answer === 'string' ? a.answer : String(a.answer ?? ''), correct: !!a.correct, order: Number(a.order) || 0 }))
    .sort((a, b) => a.order - b.order)
}

/** A row's hints, in order. */
export function hintsOf(row: Pick<QuestionRow, 'hints'>): Hint[] {
  return parseList<Hint>(row.hints)
    .map((h) => ({ hint: typeof h.hint === 'string' ? h.hint : String(h.hint ?? ''), order: Number(h.order) || 0 }))
    .sort((a, b) => a.order - b.order)
}

/** The JSON string the server stores, orders renumbered from 1. */
export function encodeAnswers(answers: readonly Pick<Answer, 'answer' | 'correct'>[]): string {
  return JSON.stringify(answers.map((a, index) => ({ answer: a.answer, correct: a.correct, order: index + 1 })))
}

export function encodeHints(hints: readonly Pick<Hint, 'hint'>[]): string {
  return JSON.stringify(hints.map((h, index) => ({ hint: h.hint, order: index + 1 })))
}

/** Why the question cannot be published as it stands; `[]` when it can (the server's rules). */
export function questionProblems(row: Pick<QuestionRow, 'type' | 'question' | 'answers'>): string[] {
  if (row.type === 'perseus_question' || row.type === 'QTI') return []
  const problems: string[] = []
  if (!(row.question || '').trim()) problems.push(NEEDS_TEXT)
  if (row.type === 'free_response') return problems
  const answers = answersOf(row).filter((a) => a.answer.trim() !== '')
  if (!answers.length) return [...problems, NEEDS_ANSWERS]
  const correct = answers.filter((a) => a.correct).length
  if (!correct) problems.push(NEEDS_CORRECT_ANSWER)
  else if (correct > 1 && SINGLE_ANSWER_TYPES.has(row.type)) problems.push(NEEDS_ONE_CORRECT_ANSWER)
  return problems
}

/** A numeric answer Kolibri can read: a decimal or a fraction ("0.5", "-3", "1/2"). */
export function isNumericAnswer(text: string): boolean {
  return /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(text) || /^\s*[+-]?\d+\s*\/\s*\d+\s*$/.test(text)
}

export const TRUE_FALSE: readonly string[] = ['True', 'False']

/** The answers a question keeps when its type changes (Studio's conversions, made
 * explicit): choices keep their texts (single choice keeps only the first correct one),
 * true/false becomes "True" (correct) and "False" unless the answers were already those,
 * numeric input keeps the correct answers (all of them accepted), free response has none;
 * a question that keeps no answer gets one empty answer to fill. */
export function convertAnswers(from: string, to: QuestionType, answers: readonly Answer[]): Answer[] {
  const texts = answers.filter((a) => a.answer.trim() !== '')
  let next: Pick<Answer, 'answer' | 'correct'>[]
  switch (to) {
    case 'free_response':
      next = []
      break
    case 'true_false': {
      const already = texts.length === 2 && texts.every((a, i) => a.answer.trim() === TRUE_FALSE[i])
      next = already ? texts : [{ answer: 'True', correct: true }, { answer: 'False', correct: false }]
      if (next.filter((a) => a.correct).length !== 1) next = next.map((a, i) => ({ ...a, correct: i === 0 }))
      break
    }
    case 'input_question':
      next = (from === 'input_question' ? texts : texts.filter((a) => a.correct)).map((a) => ({ answer: a.answer, correct: true }))
      break
    case 'single_selection': {
      let seen = false
      next = texts.map((a) => {
        const correct = a.correct && !seen
        if (correct) seen = true
        return { answer: a.answer, correct }
      })
      break
    }
    case 'multiple_selection':
      next = texts.map((a) => ({ answer: a.answer, correct: a.correct }))
      break
  }
  // A choice or numeric question left without answers starts with one empty answer to fill.
  if (!next.length && to !== 'free_response') return blankAnswers(to)
  return next.map((a, index) => ({ ...a, order: index + 1 }))
}

/** What a new question of `type` starts with. */
export function blankAnswers(type: QuestionType): Answer[] {
  if (type === 'true_false') return convertAnswers('', 'true_false', [])
  if (type === 'free_response') return []
  return [{ answer: '', correct: type === 'input_question', order: 1 }]
}

/** Orders that put `ids` in this order: the (id, order) pairs that change, whole numbers
 * from 1 (the server sorts by `order`). */
export function renumber(rows: readonly Pick<QuestionRow, 'assessment_id' | 'order'>[]): { id: string; order: number }[] {
  return rows.flatMap((row, index) => (row.order === index + 1 ? [] : [{ id: row.assessment_id, order: index + 1 }]))
}

/** `list` with the item at `from` moved to `to`. */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list]
  const [item] = next.splice(from, 1)
  next.splice(to, 0, item as T)
  return next
}
