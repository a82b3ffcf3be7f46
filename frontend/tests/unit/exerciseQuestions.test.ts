import { describe, expect, it } from 'vitest'
import { applyFormat, imageMarkdown, imagesIn, renderMarkdown } from '@/components/exercise/markdown'
import {
  answersOf,
  convertAnswers,
  encodeAnswers,
  isNumericAnswer,
  questionProblems,
  renumber,
  type Answer,
} from '@/components/exercise/questions'

const MD5 = '0123456789abcdef0123456789abcdef'
const answers = (...pairs: [string, boolean][]): Answer[] => pairs.map(([answer, correct], i) => ({ answer, correct, order: i + 1 }))

describe('question problems (the server rules of nodes/completeness.py)', () => {
  it('names a missing correct answer, missing text and missing answers', () => {
    expect(questionProblems({ type: 'single_selection', question: 'Q', answers: encodeAnswers(answers(['a', false], ['b', false])) })).toEqual(['needs a correct answer'])
    expect(questionProblems({ type: 'single_selection', question: ' ', answers: encodeAnswers(answers(['a', true])) })).toEqual(['needs question text'])
    expect(questionProblems({ type: 'multiple_selection', question: 'Q', answers: encodeAnswers(answers([' ', true])) })).toEqual(['needs answers'])
    expect(questionProblems({ type: 'true_false', question: 'Q', answers: encodeAnswers(answers(['True', true], ['False', true])) })).toEqual(['needs exactly one correct answer'])
    expect(questionProblems({ type: 'multiple_selection', question: 'Q', answers: encodeAnswers(answers(['a', true], ['b', true])) })).toEqual([])
    expect(questionProblems({ type: 'free_response', question: 'Q', answers: '[]' })).toEqual([])
  })
})

describe('changing a question type converts its answers', () => {
  const three = answers(['$$\\frac{1}{2}$$', true], ['$$\\frac{1}{3}$$', false], ['$$\\frac{2}{3}$$', false])
  it('to true/false: True (correct) and False', () => {
    expect(convertAnswers('single_selection', 'true_false', three)).toEqual(answers(['True', true], ['False', false]))
  })
  it('to numeric input: the correct answers, all accepted', () => {
    expect(convertAnswers('multiple_selection', 'input_question', answers(['0.5', true], ['2', false], ['1/2', true]))).toEqual(answers(['0.5', true], ['1/2', true]))
  })
  it('to single choice: only the first correct answer stays correct', () => {
    expect(convertAnswers('multiple_selection', 'single_selection', answers(['a', true], ['b', true]))).toEqual(answers(['a', true], ['b', false]))
  })
  it('a question left without answers gets one empty answer', () => {
    expect(convertAnswers('single_selection', 'input_question', answers(['', false]))).toEqual(answers(['', true]))
    expect(convertAnswers('free_response', 'multiple_selection', [])).toEqual(answers(['', false]))
  })
  it('to free response: none', () => {
    expect(convertAnswers('single_selection', 'free_response', three)).toEqual([])
  })
  it('keeps answers in order and reads them back', () => {
    expect(answersOf({ answers: encodeAnswers(three) })).toEqual(three)
  })
})

describe('numbers and orders', () => {
  it('accepts decimals and fractions', () => {
    expect(['0.5', '1/2', '-3', '.25', ' 2 / 4 '].every(isNumericAnswer)).toBe(true)
    expect(['half', '1/', '0.5.1', ''].some(isNumericAnswer)).toBe(false)
  })
  it('renumbers only what changed', () => {
    expect(renumber([{ assessment_id: 'b', order: 2 }, { assessment_id: 'a', order: 1 }, { assessment_id: 'c', order: 3 }])).toEqual([
      { id: 'b', order: 1 },
      { id: 'a', order: 2 },
    ])
  })
})

describe('markdown as stored and rendered', () => {
  it('writes the content-storage reference the server links, with an optional size', () => {
    expect(imageMarkdown('a pie', MD5, 'PNG')).toBe(`![a pie](\${☣ CONTENTSTORAGE}/${MD5}.png)`)
    expect(imageMarkdown('a pie', MD5, 'png', { width: 120, height: 60.4 })).toBe(`![a pie](\${☣ CONTENTSTORAGE}/${MD5}.png =120x60)`)
    expect(imagesIn(`x ${imageMarkdown('p', MD5, 'png')}`)).toEqual([{ checksum: MD5, extension: 'png' }])
  })
  it('renders formulas with KaTeX and images from storage', () => {
    const out = renderMarkdown(`What is $$\\frac{1}{2}$$?\n\n${imageMarkdown('a pie', MD5, 'png', { width: 100, height: 50 })}`)
    expect(out).toContain('class="katex"')
    expect(out).toContain(`src="/content/storage/0/1/${MD5}.png"`)
    expect(out).toContain('alt="a pie"')
    expect(out).toContain('width="100"')
  })
  it('does not render raw HTML', () => {
    expect(renderMarkdown('<img src=x onerror=alert(1)>')).not.toContain('<img')
  })
  it('wraps the selection for the toolbar', () => {
    expect(applyFormat('one half', 4, 8, 'bold')).toEqual({ text: 'one **half**', start: 6, end: 10 })
    expect(applyFormat('x', 1, 1, 'formula').text).toBe('x$$x^2$$')
    expect(applyFormat('a\nb', 0, 3, 'list').text).toBe('- a\n- b')
  })
})
