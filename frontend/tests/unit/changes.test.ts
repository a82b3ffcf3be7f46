import { describe, expect, it } from 'vitest'
import {
  applyMods,
  canMergeMods,
  ChangeType,
  copied,
  created,
  deleted,
  diffMods,
  keyOf,
  keyString,
  moved,
  published,
  splitPath,
  updated,
} from '@/changes'

const CH = 'c'.repeat(32)
const NODE = 'a'.repeat(32)
const ROOT = 'b'.repeat(32)

describe('keys per table (spec 2.3)', () => {
  it('addresses an assessment item by [node, assessment_id]', () => {
    expect(keyOf('assessmentitem', { contentnode: NODE, assessment_id: 'q1' })).toEqual([NODE, 'q1'])
  })

  it('addresses editors and viewers by [user, channel]', () => {
    expect(keyOf('editor_m2m', { user: 5, channel: CH })).toEqual([5, CH])
    expect(keyOf('viewer_m2m', { user: 6, channel: CH })).toEqual([6, CH])
  })

  it('addresses a prerequisite by [target_node, prerequisite]', () => {
    expect(keyOf('contentnode_prerequisite', { target_node: NODE, prerequisite: ROOT })).toEqual([NODE, ROOT])
  })

  it('addresses a bookmark by its channel id and the session by CURRENT_USER', () => {
    expect(keyOf('bookmark', { channel: CH })).toBe(CH)
    expect(keyOf('session', {})).toBe('CURRENT_USER')
  })

  it('gives compound keys a stable string', () => {
    expect(keyString([NODE, 'q1'])).toBe(`["${NODE}","q1"]`)
    expect(keyString(CH)).toBe(CH)
  })
})

describe('dot paths', () => {
  it('splits nested JSON fields on every dot', () => {
    expect(splitPath('extra_fields.options.completion_criteria.threshold.m')).toEqual([
      'extra_fields',
      'options',
      'completion_criteria',
      'threshold',
      'm',
    ])
  })

  it('splits label ids on the first dot only', () => {
    expect(splitPath('categories.PbGoe2MV.Tds0xEgp')).toEqual(['categories', 'PbGoe2MV.Tds0xEgp'])
    expect(splitPath('tags.algebra')).toEqual(['tags', 'algebra'])
  })

  it('applies mods like the server: leaves set, null deletes, label ids kept whole', () => {
    const node = {
      title: 'Old',
      extra_fields: { options: { completion_criteria: { threshold: { m: 3, n: 5 } } } },
      categories: { 'PbGoe2MV.Tds0xEgp': true },
      tags: { algebra: true },
    }
    const result = applyMods(node, {
      title: 'New',
      'extra_fields.options.completion_criteria.threshold.m': 4,
      'categories.PbGoe2MV.Tds0xEgp': null,
      'categories.ZsBPE5Ik.x': true,
      'tags.geometry': true,
      'tags.algebra': null,
    })
    expect(result).toEqual({
      title: 'New',
      extra_fields: { options: { completion_criteria: { threshold: { m: 4, n: 5 } } } },
      categories: { 'ZsBPE5Ik.x': true },
      tags: { geometry: true },
    })
    expect(node.title).toBe('Old') // not mutated
  })

  it('diffs to dot paths, one entry per label id, null for what disappeared', () => {
    const before = {
      title: 'A',
      content_defaults: { author: 'x', license: 'CC BY' },
      categories: { 'a.b': true },
      thumbnail_encoding: { base64: 'data' },
    }
    const after = {
      title: 'A',
      content_defaults: { author: 'y', license: 'CC BY' },
      categories: { 'c.d': true },
      thumbnail_encoding: {},
    }
    expect(diffMods(before, after)).toEqual({
      'content_defaults.author': 'y',
      'categories.a.b': null,
      'categories.c.d': true,
      'thumbnail_encoding.base64': null,
    })
    expect(diffMods(before, before)).toEqual({})
    expect(applyMods(before, diffMods(before, after))).toEqual(after)
  })

  it('merges mods only when no path is inside another', () => {
    expect(canMergeMods({ name: 'a' }, { name: 'b', description: 'c' })).toBe(true)
    expect(canMergeMods({ content_defaults: {} }, { 'content_defaults.author': 'x' })).toBe(false)
    expect(canMergeMods({ 'tags.a': true }, { 'tags.b': true })).toBe(true)
  })
})

describe('builders (spec 2.3, 2.11)', () => {
  it('builds the worked example CREATED', () => {
    const obj = { id: NODE, title: 'Intro', kind: 'video', parent: ROOT, tags: {}, extra_fields: {}, __COPYING_STATUS: 'X' }
    expect(created('contentnode', obj, { channel_id: CH })).toEqual({
      type: ChangeType.CREATED,
      table: 'contentnode',
      key: NODE,
      channel_id: CH,
      obj: { id: NODE, title: 'Intro', kind: 'video', parent: ROOT, tags: {}, extra_fields: {} },
    })
  })

  it('tags a channel change with its own id as channel_id', () => {
    expect(updated('channel', CH, { name: 'New name' })).toEqual({
      type: ChangeType.UPDATED,
      table: 'channel',
      key: CH,
      mods: { name: 'New name' },
      channel_id: CH,
    })
    expect(deleted('channel', CH)).toMatchObject({ type: 3, key: CH, channel_id: CH })
  })

  it('builds bookmark and editor changes for the user feed and the channel', () => {
    expect(created('bookmark', { channel: CH }, { user_id: 7 })).toMatchObject({ key: CH, user_id: 7 })
    expect(deleted('editor_m2m', [7, CH], { channel_id: CH, user_id: 7 })).toEqual({
      type: 3,
      table: 'editor_m2m',
      key: [7, CH],
      channel_id: CH,
      user_id: 7,
    })
  })

  it('builds MOVED, COPIED and PUBLISHED with their fields', () => {
    expect(moved(NODE, ROOT, 'last-child', { channel_id: CH })).toEqual({
      type: 4,
      table: 'contentnode',
      key: NODE,
      target: ROOT,
      position: 'last-child',
      channel_id: CH,
    })
    expect(copied('d'.repeat(32), NODE, ROOT, 'first-child', { channel_id: CH })).toEqual({
      type: 5,
      table: 'contentnode',
      key: 'd'.repeat(32),
      from_key: NODE,
      target: ROOT,
      position: 'first-child',
      mods: {},
      excluded_descendants: null,
      channel_id: CH,
    })
    expect(published(CH, 'notes', 'en')).toEqual({
      type: 6,
      table: 'channel',
      key: CH,
      version_notes: 'notes',
      language: 'en',
      channel_id: CH,
    })
  })

  it('never sends the UI-only keys the server pushes', () => {
    expect(updated('contentnode', NODE, { __COPYING_STATUS: 'SUCCESS', title: 'x' }, { channel_id: CH }).mods).toEqual({
      title: 'x',
    })
  })
})
