import { afterEach, describe, expect, it, vi } from 'vitest'
import { build, newId, setBookmark, ChangeRefused } from '@/api/writes'
import { sendChanges } from '@/api/sendChanges'

describe('change builders (spec 2.3 / 2.10 tagging)', () => {
  it('makes dash-less UUID4 ids', () => {
    const id = newId()
    expect(id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/)
    expect(newId()).not.toBe(id)
  })

  it('tags channel changes with the channel and keeps dot paths in mods', () => {
    expect(build.updateChannel('c1', { 'content_defaults.author': 'Ada', name: 'X' })).toEqual({
      type: 2,
      table: 'channel',
      key: 'c1',
      channel_id: 'c1',
      mods: { 'content_defaults.author': 'Ada', name: 'X' },
    })
    const created = build.createChannel({ id: 'c1', name: 'Maths', description: '', language: 'fr' })
    expect(created).toMatchObject({ type: 1, table: 'channel', key: 'c1', channel_id: 'c1', obj: { id: 'c1', language: 'fr' } })
  })

  it('sends bookmarks and the invitee\'s answer as user changes, without a channel', () => {
    expect(build.bookmark('c1', 7, true)).toEqual({ type: 1, table: 'bookmark', key: 'c1', user_id: 7, obj: { channel: 'c1' } })
    expect(build.bookmark('c1', 7, false)).toEqual({ type: 3, table: 'bookmark', key: 'c1', user_id: 7 })
    const answer = build.answerInvitation('i1', 7, true)
    expect(answer).toEqual({ type: 2, table: 'invitation', key: 'i1', user_id: 7, mods: { accepted: true } })
    expect(answer).not.toHaveProperty('channel_id')
  })

  it('keys memberships [user, channel] and tags both', () => {
    expect(build.removeMember('viewer', 9, 'c1')).toEqual({
      type: 3,
      table: 'viewer_m2m',
      key: [9, 'c1'],
      channel_id: 'c1',
      user_id: 9,
    })
  })

  it('sends channel sets as user changes with a map of channels', () => {
    expect(build.updateChannelSet('s1', { 'channels.c1': false }, 7)).toEqual({
      type: 2,
      table: 'channelset',
      key: 's1',
      user_id: 7,
      mods: { 'channels.c1': false },
    })
  })
})

describe('sendChanges', () => {
  afterEach(() => vi.unstubAllGlobals())

  function answerWith(make: (revs: number[]) => object) {
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { changes: { rev: number }[] }
      return new Response(JSON.stringify(make(body.changes.map((c) => c.rev))), {
        headers: { 'Content-Type': 'application/json' },
      })
    })
    vi.stubGlobal('fetch', fetch)
    return fetch
  }

  it('reads each change\'s outcome from the answer, in order', async () => {
    const fetch = answerWith((revs) => ({
      allowed: [
        { rev: revs[0], server_rev: 10 },
        { rev: revs[1], server_rev: 11 },
      ],
      disallowed: [{ rev: revs[2] }],
      successes: [{ server_rev: 10 }],
      errors: [{ server_rev: 11, errors: { name: ['Too long'] } }],
      changes: [],
      tasks: [],
    }))
    const outcomes = await sendChanges([build.deleteChannel('a'), build.deleteChannel('b'), build.deleteChannel('c')])
    expect(outcomes).toEqual([
      { status: 'applied' },
      { status: 'errored', errors: { name: ['Too long'] } },
      { status: 'disallowed' },
    ])
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/sync/')
    expect(new Headers(init.headers).has('X-CSRFToken')).toBe(true)
    const revs = (JSON.parse(String(init.body)) as { changes: { rev: number }[] }).changes.map((c) => c.rev)
    expect(new Set(revs).size).toBe(3)
    for (const rev of revs) expect(rev).toBeLessThan(2 ** 31)
  })

  it('turns a refused change into an error carrying the server\'s message', async () => {
    answerWith((revs) => ({
      allowed: [{ rev: revs[0], server_rev: 5 }],
      disallowed: [],
      successes: [],
      errors: [{ server_rev: 5, errors: { channel: ['Invalid pk "x" - object does not exist.'] } }],
    }))
    await expect(setBookmark('x', 1, true)).rejects.toThrow(ChangeRefused)
    await expect(setBookmark('x', 1, true)).rejects.toThrow('channel: Invalid pk "x" - object does not exist.')
  })
})
