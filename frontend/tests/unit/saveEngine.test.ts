import { afterEach, describe, expect, it, vi } from 'vitest'
import { SaveEngine, type SyncEvent, type FeedChange } from '@/api/sync/engine'
import { updated, created } from '@/changes'

const CH = 'c'.repeat(32)
const OTHER = 'd'.repeat(32)

interface Envelope {
  changes: { rev: number; key: string; mods?: Record<string, unknown>; table: string; type: number; channel_id?: string }[]
  channel_revs: Record<string, number>
  user_rev: number
  unapplied_revs: number[]
}

/** A server that applies every change it gets (or answers what `answer` says). */
function fakeServer() {
  const requests: Envelope[] = []
  let serverRev = 100
  const server = {
    requests,
    feed: [] as FeedChange[],
    answer: null as null | ((body: Envelope) => Response | Promise<Response>),
    post: async (body: unknown): Promise<Response> => {
      const envelope = structuredClone(body) as Envelope
      requests.push(envelope)
      if (server.answer) return server.answer(envelope)
      return server.apply(envelope)
    },
    /** The answer of a server that applies every change of `envelope`. */
    apply: (envelope: Envelope): Response => {
      const allowed = envelope.changes.map((c) => ({ rev: c.rev, server_rev: ++serverRev }))
      const successes = envelope.changes.map((c, i) => ({ ...c, server_rev: allowed[i]!.server_rev, user_id: null, channel_id: c.channel_id ?? null }))
      const changes = server.feed.splice(0, 200)
      return Response.json({ allowed, disallowed: [], changes, errors: [], successes, tasks: [] })
    },
  }
  return server
}

let n = 0
const engines: SaveEngine[] = []

async function makeEngine(server: ReturnType<typeof fakeServer>): Promise<SaveEngine> {
  n += 1
  const engine = new SaveEngine({ userId: 1, userRev: 0, post: server.post, locks: null, broadcast: null, manual: true, dbName: `unit-saving-${n}-${Date.now()}` })
  await engine.start()
  engines.push(engine)
  return engine
}

function lastStatus(engine: SaveEngine) {
  let status: Extract<SyncEvent, { type: 'status' }>['status'] | undefined
  engine.subscribe((event) => {
    if (event.type === 'status') status = event.status
  })
  return () => status!
}

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop()
})

describe('the outbox', () => {
  it('answers a recount while recounts keep being asked for (the sending loop waits on one)', async () => {
    // An upload queue writing a change every few ms kept the recount running, and the
    // sending loop, which waits for a recount after each answer, sent nothing meanwhile.
    const engine = await makeEngine(fakeServer())
    let writing = true
    // every count is followed by another request for one, as a steady stream of writes does
    const unsubscribe = engine.subscribe((event) => {
      if (event.type === 'status' && writing) void engine.refreshStatus()
    })
    const outcome = await Promise.race([
      engine.refreshStatus().then(() => 'counted'),
      new Promise((resolve) => setTimeout(() => resolve('still counting'), 1500)),
    ])
    writing = false
    unsubscribe()
    expect(outcome).toBe('counted')
  })

  it('merges consecutive updates of one key while they are pending', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.enqueue(updated('channel', CH, { name: 'M' }))
    await engine.enqueue(updated('channel', CH, { name: 'Ma', description: 'd' }))
    await engine.enqueue(updated('channel', OTHER, { name: 'x' }))
    await engine.enqueue(updated('channel', CH, { name: 'Maths' }))
    expect(await engine.db.outbox.count()).toBe(2)
    const rows = await engine.db.outbox.toArray()
    expect(rows[0]!.change.mods).toEqual({ name: 'Maths', description: 'd' })
  })

  it('never changes a row once it was handed to a request', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    let release!: () => void
    server.answer = () => new Promise<Response>((resolve) => (release = () => resolve(Response.json({ allowed: [], disallowed: [], changes: [], errors: [], successes: [], tasks: [] }))))
    await engine.enqueue(updated('channel', CH, { name: 'A' }))
    const sending = engine.flush()
    await vi.waitUntil(() => server.requests.length === 1)
    await engine.enqueue(updated('channel', CH, { name: 'B' }))
    server.answer = null
    release()
    await sending
    const rows = await engine.db.outbox.toArray()
    expect(rows.map((r) => r.change.mods)).toEqual([{ name: 'A' }])
    expect(server.requests.map((r) => r.changes.map((c) => c.mods))).toEqual([[{ name: 'A' }], [{ name: 'B' }], []])
  })

  it('sends every pending row oldest first in chunks of at most 100', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.enqueueMany(Array.from({ length: 250 }, (_, i) => updated('channel', `${i}`.padStart(32, '0'), { name: `n${i}` })))
    await engine.flush()
    const sizes = server.requests.filter((r) => r.changes.length).map((r) => r.changes.length)
    expect(sizes).toEqual([100, 100, 50])
    const revs = server.requests.flatMap((r) => r.changes.map((c) => c.rev))
    expect(revs).toEqual([...revs].sort((a, b) => a - b))
    expect(await engine.db.outbox.count()).toBe(0)
  })

  it('takes the next chunk while one is on its way, and sends it only once that one is answered', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    // The first and the 101st change are of one object: they travel in two requests, in order.
    const changes = Array.from({ length: 150 }, (_, i) => updated('channel', `${i % 100}`.padStart(32, '0'), { name: `n${i}` }))
    await engine.enqueueMany(changes)
    const answers: (() => void)[] = []
    server.answer = (body) => new Promise<Response>((resolve) => answers.push(() => resolve(server.apply(body))))
    server.requests.length = 0
    const cycle = engine.flush()
    await vi.waitUntil(() => answers.length === 1)
    // The second chunk is taken (no longer pending: it cannot merge) but not sent.
    await vi.waitUntil(async () => (await engine.db.outbox.where('state').equals('sent').count()) === 150)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(server.requests).toHaveLength(1)
    answers[0]!()
    await vi.waitUntil(() => answers.length === 2)
    expect(server.requests.map((r) => r.changes.length)).toEqual([100, 50])
    expect(server.requests[1]!.changes[0]!.mods).toEqual({ name: 'n100' })
    server.answer = null
    answers[1]!()
    await cycle
    expect(await engine.db.outbox.count()).toBe(0)
  })

  it('keeps a chunk taken ahead queued when the request before it fails, and sends everything in order next time', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    const status = lastStatus(engine)
    await engine.enqueueMany(Array.from({ length: 150 }, (_, i) => updated('channel', `${i}`.padStart(32, '0'), { name: `n${i}` })))
    let fail!: () => void
    server.answer = () => new Promise<Response>((_, reject) => (fail = () => reject(new TypeError('Failed to fetch'))))
    const cycle = engine.flush()
    await vi.waitUntil(async () => (await engine.db.outbox.where('state').equals('sent').count()) === 150)
    fail()
    await cycle
    await engine.refreshStatus()
    expect(status()).toMatchObject({ pending: 150, online: false })
    server.answer = null
    server.requests.length = 0
    await engine.flush()
    const revs = server.requests.flatMap((r) => r.changes.map((c) => c.rev))
    expect(revs).toHaveLength(150)
    expect(revs).toEqual([...revs].sort((a, b) => a - b))
    expect(await engine.db.outbox.count()).toBe(0)
  })

  it('does not send a chunk taken ahead whose changes were discarded while the request before it was out', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.enqueueMany(Array.from({ length: 150 }, (_, i) => updated('channel', `${i}`.padStart(32, '0'), { name: `n${i}` })))
    let release!: () => void
    server.answer = (body) => new Promise<Response>((resolve) => (release = () => resolve(server.apply(body))))
    const cycle = engine.flush()
    await vi.waitUntil(async () => (await engine.db.outbox.where('state').equals('sent').count()) === 150)
    await engine.discardAll()
    server.answer = null
    release()
    await cycle
    expect(server.requests.map((r) => r.changes.length)).toEqual([100, 0])
    expect(await engine.db.outbox.count()).toBe(0)
  })

  it('says saved once the last chunk is applied, while the follow-up poll is still out', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    const status = lastStatus(engine)
    await engine.enqueueMany(Array.from({ length: 150 }, (_, i) => updated('channel', `${i}`.padStart(32, '0'), { name: `n${i}` })))
    let release: (() => void) | undefined
    server.answer = (body) => (body.changes.length ? server.apply(body) : new Promise<Response>((resolve) => (release = () => resolve(server.apply(body)))))
    const cycle = engine.flush()
    await vi.waitUntil(() => release !== undefined)
    // Every change applied: nothing pending, nothing on its way that carries a change.
    await vi.waitUntil(() => status().pending === 0)
    expect(status().sending).toBe(false)
    release!()
    await cycle
  })

  it('keeps a chunk under 256 KB', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    const big = 'x'.repeat(100 * 1024)
    await engine.enqueueMany([0, 1, 2, 3].map((i) => updated('channel', `${i}`.padStart(32, '0'), { description: big })))
    await engine.flush()
    expect(server.requests.filter((r) => r.changes.length).map((r) => r.changes.length)).toEqual([2, 2])
  })
})

describe('outcomes', () => {
  it('marks refused changes with the server message and keeps them out of the next sends', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    const status = lastStatus(engine)
    server.answer = (body) =>
      Response.json({
        allowed: body.changes.map((c) => ({ rev: c.rev, server_rev: 500 + c.rev })),
        disallowed: [],
        changes: [],
        errors: body.changes.map((c) => ({ ...c, server_rev: 500 + c.rev, errors: { name: ['Ensure this field has no more than 200 characters.'] } })),
        successes: [],
        tasks: [],
      })
    await engine.enqueue(updated('channel', CH, { name: 'x'.repeat(300) }))
    await engine.flush()
    await engine.refreshStatus()
    expect(status().problems).toMatchObject([{ table: 'channel', key: CH, kind: 'errored', message: 'name: Ensure this field has no more than 200 characters.' }])
    expect(status().pending).toBe(0)
    server.answer = null
    const sent = server.requests.length
    await engine.flush()
    expect(server.requests.slice(sent).flatMap((r) => r.changes)).toEqual([])
    // Retry sends it again as a new change; the problem goes away once applied.
    await engine.retry(status().problems[0]!.id)
    await engine.flush()
    await engine.refreshStatus()
    expect(status().problems).toEqual([])
    expect(server.requests.at(-1)!.changes).toHaveLength(0)
    expect(server.requests.flatMap((r) => r.changes).filter((c) => c.key === CH)).toHaveLength(2)
  })

  it('counts a change as pending the moment it is handed over, before its outbox write ends', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    const status = lastStatus(engine)
    await engine.refreshStatus()
    expect(status().pending).toBe(0)
    const one = engine.enqueue(updated('channel', CH, { name: 'A' }))
    expect(status().pending).toBe(1) // synchronously: "saved" never shows while it is written
    const many = engine.enqueueMany([updated('channel', OTHER, { name: 'B' }), updated('channel', OTHER, { description: 'b' })])
    expect(status().pending).toBe(2)
    await Promise.all([one, many])
    await vi.waitUntil(() => status().pending === 3)
    await engine.flush()
    await engine.refreshStatus()
    expect(status().pending).toBe(0)
  })

  it('drops a row applied in the answer that acknowledges it, and one applied in a later answer', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.remember('channel', OTHER, { id: OTHER, name: 'Old' })
    await engine.enqueueMany([updated('channel', CH, { name: 'now' }), updated('channel', OTHER, { name: 'later' })])
    // The first is applied at once; the second only acknowledged (applied after the answer).
    server.answer = (body) =>
      Response.json({
        allowed: body.changes.map((c) => ({ rev: c.rev, server_rev: 900 + c.rev })),
        disallowed: [],
        changes: [],
        errors: [],
        successes: body.changes.filter((c) => c.key === CH).map((c) => ({ ...c, server_rev: 900 + c.rev, user_id: null, channel_id: null })),
        tasks: [],
      })
    await engine.flush()
    const [waiting] = await engine.db.outbox.toArray()
    expect(waiting).toMatchObject({ keyStr: OTHER, state: 'sent', queued: 0, server_rev: 900 + waiting!.rev! })
    expect((await engine.read('channel', OTHER))!.name).toBe('later')
    server.answer = (body) =>
      Response.json({
        allowed: [],
        disallowed: [],
        changes: [],
        errors: [],
        successes: body.unapplied_revs.map((rev) => ({ server_rev: rev, table: 'channel', type: 2, key: OTHER, mods: { name: 'later' }, user_id: null, channel_id: null })),
        tasks: [],
      })
    await engine.flush()
    expect(server.requests.at(-1)!.unapplied_revs).toEqual([waiting!.server_rev])
    expect(await engine.db.outbox.count()).toBe(0)
    expect((await engine.read('channel', OTHER))!.name).toBe('later')
  })

  it('discard puts the server value back', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.remember('channel', CH, { id: CH, name: 'Old' })
    engine.registerReader('channel', async () => ({ id: CH, name: 'Server' }))
    server.answer = (body) => Response.json({ allowed: [], disallowed: body.changes, changes: [], errors: [], successes: [], tasks: [] })
    await engine.enqueue(updated('channel', CH, { name: 'Mine' }))
    await engine.flush()
    expect((await engine.read('channel', CH))!.name).toBe('Mine')
    const [row] = await engine.db.outbox.toArray()
    expect(row!.state).toBe('disallowed')
    await engine.discard(row!.rev!)
    expect((await engine.read('channel', CH))!.name).toBe('Server')
  })

  it('keeps the outbox on network errors and on 403, and says so', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    const status = lastStatus(engine)
    server.answer = () => Promise.reject(new TypeError('Failed to fetch'))
    await engine.enqueue(updated('channel', CH, { name: 'A' }))
    await engine.flush()
    await engine.refreshStatus()
    expect(status()).toMatchObject({ pending: 1, online: false })
    server.answer = () => new Response('{"detail":"Authentication credentials were not provided."}', { status: 403 })
    await engine.flush()
    await engine.refreshStatus()
    expect(status()).toMatchObject({ pending: 1, needsSignIn: true })
    expect(await engine.db.outbox.count()).toBe(1)
  })
})

describe('the feed', () => {
  it('applies others’ changes in server_rev order, catches up page by page and advances the marks', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.remember('channel', CH, { id: CH, name: 'Start' })
    await engine.watchChannel(CH, 1000)
    const seen: number[] = []
    engine.subscribe((event) => {
      if (event.type === 'changes') seen.push(...event.changes.map((c) => c.server_rev))
    })
    // 250 changes, delivered out of order inside each page
    const all = Array.from({ length: 250 }, (_, i) => ({ server_rev: 1001 + i, table: 'channel', type: 2, key: CH, channel_id: CH, user_id: null, mods: { name: `v${i}` } }))
    server.feed.push(...all.slice(0, 200).reverse(), ...all.slice(200))
    await engine.flush()
    expect(seen).toEqual(all.map((c) => c.server_rev))
    expect(server.requests.map((r) => r.channel_revs[CH])).toEqual([1000, 1200])
    expect((await engine.read('channel', CH))!.name).toBe('v249')
    expect((await engine.db.marks.get(CH))!.rev).toBe(1250)
  })

  it('shows local changes on top of the server copy until they are applied', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.remember('channel', CH, { id: CH, name: 'Start', description: 'd' })
    await engine.enqueue(updated('channel', CH, { name: 'Mine' }))
    server.feed.push({ server_rev: 7, table: 'channel', type: 2, key: CH, channel_id: CH, user_id: null, mods: { description: 'theirs' } })
    await engine.watchChannel(CH, 1)
    expect(await engine.read('channel', CH)).toEqual({ id: CH, name: 'Mine', description: 'd' })
    await engine.flush()
    expect(await engine.read('channel', CH)).toEqual({ id: CH, name: 'Mine', description: 'theirs' })
    expect(await engine.db.outbox.count()).toBe(0)
  })

  it('mirrors created objects', async () => {
    const server = fakeServer()
    const engine = await makeEngine(server)
    await engine.enqueue(created('channel', { id: OTHER, name: 'New' }))
    expect(await engine.read('channel', OTHER)).toEqual({ id: OTHER, name: 'New' })
    await engine.flush()
    expect(await engine.read('channel', OTHER)).toEqual({ id: OTHER, name: 'New' })
  })
})
