import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useChannelSetsStore } from '@/stores/channelSets'
import { useChannelListStore } from '@/stores/channelList'
import { useInvitationsStore } from '@/stores/invitations'
import { useSessionStore } from '@/stores/session'
import type { Invitation } from '@/api/channels'

type Sent = { changes: { rev: number; table: string; type: number; key: unknown; mods?: Record<string, unknown> }[] }

/** A fake server: /api/sync/ answers each change with `outcome`; GETs answer `reads[url]`. */
function fakeServer(outcome: 'applied' | 'errored', reads: Record<string, unknown> = {}) {
  const sent: Sent[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } })
      if (url !== '/api/sync/') return json(reads[url] ?? [])
      const body = JSON.parse(String(init.body)) as Sent
      sent.push(body)
      const allowed = body.changes.map((c, i) => ({ rev: c.rev, server_rev: 100 + i }))
      const rows = allowed.map((a) => ({ server_rev: a.server_rev, errors: ['Not found'] }))
      return json({
        allowed,
        disallowed: [],
        successes: outcome === 'applied' ? rows : [],
        errors: outcome === 'errored' ? rows : [],
        changes: [],
        tasks: [],
      })
    }),
  )
  return sent
}

describe('stores', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    useSessionStore().user = { id: 7, email: 'Me@Example.com', first_name: 'M', last_name: 'E', is_admin: false, user_rev: 0 }
  })
  afterEach(() => vi.unstubAllGlobals())

  it('shows a star at once and takes it back when the server refuses it', async () => {
    const sent = fakeServer('errored')
    const channels = useChannelListStore()
    const starring = channels.setStarred('c1', true)
    expect(channels.bookmarks.has('c1')).toBe(true)
    await expect(starring).rejects.toThrow('Not found')
    expect(channels.bookmarks.has('c1')).toBe(false)
    expect(sent[0]!.changes[0]).toMatchObject({ table: 'bookmark', type: 1, key: 'c1' })
  })

  it('sends only the channels added to or removed from a collection', async () => {
    const set = { id: 's1', name: 'Set', description: '', channels: { a: true, b: true }, secret_token: 'x', edit: true }
    const sent = fakeServer('applied', { '/api/channelset': [set] })
    const sets = useChannelSetsStore()
    await sets.load()
    await sets.save({ id: 's1', name: 'Set', description: 'New', channels: ['b', 'c'] })
    expect(sent[0]!.changes[0]).toMatchObject({
      table: 'channelset',
      type: 2,
      key: 's1',
      mods: { name: 'Set', description: 'New', 'channels.a': false, 'channels.c': true },
    })
    expect(sent[0]!.changes[0]!.mods).not.toHaveProperty('channels.b')
  })

  it('lists only pending invitations addressed to me', () => {
    const invitations = useInvitationsStore()
    const base = { invited: 7, accepted: false, declined: false, revoked: false, first_name: '', last_name: '', sender_name: 'S', channel: 'c', share_mode: 'edit', channel_name: 'C' }
    invitations.mine = [
      { ...base, id: '1', email: 'me@example.com' },
      { ...base, id: '2', email: 'me@example.com', accepted: true },
      { ...base, id: '3', email: 'me@example.com', revoked: true },
      { ...base, id: '4', email: 'someone@example.com' },
    ] as Invitation[]
    expect(invitations.pendingForMe.map((i) => i.id)).toEqual(['1'])
  })
})
