import { describe, expect, it } from 'vitest'
import {
  common,
  commonLabels,
  completionModels,
  contentDefaultsFor,
  describeLabelEdit,
  FOR_BEGINNERS,
  inheritableFrom,
  inheritMods,
  labelMods,
  labelName,
  sharedFields,
} from '@/components/editor/panel/fields'

const MATHS = 'd&WXdXWF'
const ALGEBRA = 'd&WXdXWF.qs0Xlaxq.0t5msbL5'

describe('the fields of a kind', () => {
  it('a folder has no license or completion, an exercise has randomize and its quiz type', () => {
    expect(sharedFields(['topic'])).not.toContain('license')
    expect(sharedFields(['topic'])).toContain('categories')
    expect(sharedFields(['exercise'])).toEqual(expect.arrayContaining(['randomize', 'modality', 'license', 'completion']))
    expect(sharedFields(['video'])).not.toContain('randomize')
  })

  it('many nodes share the fields every kind has, without the per-node title and description', () => {
    const fields = sharedFields(['video', 'exercise'])
    expect(fields).toContain('license')
    expect(fields).not.toContain('randomize')
    expect(fields).not.toContain('title')
    expect(sharedFields(['video', 'video'])).not.toContain('description')
  })

  it('completion models are those every kind allows', () => {
    expect(completionModels(['video', 'document'])).toEqual(['time', 'approx_time', 'reference'])
    expect(completionModels(['exercise'])).toEqual(['mastery'])
    expect(completionModels(['exercise', 'video'])).toEqual([])
  })
})

describe('what several nodes share', () => {
  const a = { license: 1, copyright_holder: 'Org', extra_fields: { options: { modality: 'QUIZ' } }, categories: { [MATHS]: true, [ALGEBRA]: true } }
  const b = { license: 2, copyright_holder: 'Org', extra_fields: {}, categories: { [MATHS]: true } }

  it('a value all have, or mixed', () => {
    expect(common([a, b], 'copyright_holder')).toEqual({ mixed: false, value: 'Org' })
    expect(common([a, b], 'license')).toEqual({ mixed: true, value: null })
    expect(common([a, b], 'extra_fields.options.modality').mixed).toBe(true)
    expect(common([b, { ...b, author: null }], 'author')).toEqual({ mixed: false, value: null })
  })

  it('the labels all have, and whether some have more', () => {
    expect(commonLabels([a, b], 'categories')).toEqual({ all: [MATHS], mixed: true })
    expect(commonLabels([b, b], 'categories')).toEqual({ all: [MATHS], mixed: false })
  })
})

describe('label edits', () => {
  it('adding sets each new label and removing deletes it, keeping the others (dot ids stay whole)', () => {
    expect(labelMods('categories', [MATHS], [MATHS, ALGEBRA])).toEqual({ [`categories.${ALGEBRA}`]: true })
    expect(labelMods('categories', [MATHS, ALGEBRA], [ALGEBRA])).toEqual({ [`categories.${MATHS}`]: null })
    expect(labelMods('categories', [MATHS], [MATHS])).toEqual({})
  })

  it('replacing sends the whole map', () => {
    expect(labelMods('categories', [MATHS], [ALGEBRA], 'replace')).toEqual({ categories: { [ALGEBRA]: true } })
  })

  it('says what an edit did', () => {
    expect(describeLabelEdit({ [`categories.${ALGEBRA}`]: true, [`categories.${MATHS}`]: null }, 'categories')).toEqual({
      added: [ALGEBRA],
      removed: [MATHS],
      replaced: null,
    })
    expect(describeLabelEdit({ categories: { [MATHS]: true } }, 'categories').replaced).toEqual([MATHS])
  })
})

describe('a folder passes its metadata on', () => {
  const folder = { language: 'fr', categories: { [MATHS]: true }, grade_levels: {}, learner_needs: { [FOR_BEGINNERS]: true, x: false } }

  it('only what it has set, labels as additions', () => {
    expect(inheritableFrom(folder).map((entry) => entry.field)).toEqual(['language', 'categories', 'learner_needs'])
    expect(inheritMods(folder, ['language', 'categories'])).toEqual({ language: 'fr', [`categories.${MATHS}`]: true })
    expect(inheritMods(folder, [])).toEqual({})
    expect(inheritableFrom({ language: null, categories: {} })).toEqual([])
  })
})

describe('content defaults for a new node', () => {
  const licenses = [{ id: 2, license_name: 'CC BY-SA' }]
  const defaults = { author: 'Ada', provider: '', license: 'CC BY-SA', license_description: 'x', copyright_holder: 'Org' }

  it('a folder gets the authorship, a resource the license too (by id)', () => {
    expect(contentDefaultsFor('topic', defaults, licenses)).toEqual({ author: 'Ada', copyright_holder: 'Org' })
    expect(contentDefaultsFor('video', defaults, licenses)).toEqual({ author: 'Ada', copyright_holder: 'Org', license: 2, license_description: 'x' })
    expect(contentDefaultsFor('topic', null, licenses)).toEqual({})
  })
})

it('label names read as words', () => {
  expect(labelName('lower_primary', 'x')).toBe('Lower primary')
  expect(labelName(undefined, 'x')).toBe('x')
})
