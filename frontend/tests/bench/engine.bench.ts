/**
 * Save engine figures (issue 12, performance): applying 1,000 incoming feed changes, and
 * sending 10,000 pending changes (a big import) without freezing the page. Prints figures
 * against the targets; run by benchmarks/frontend_engine.py.
 */
import { expect, test } from '@playwright/test'
import { createChannel, createUser, signIn, uniqueEmail } from '../e2e/helpers'

const PASSWORD = 'a-long-password-1'
const FEED = 1_000
const PENDING = Number(process.env.BENCH_PENDING ?? 10_000)
const APPLY_TARGET_MS = 200
const LONG_TASK_TARGET_MS = 200

test('save engine', async ({ browser }) => {
  const email = uniqueEmail('bench')
  createUser(email, PASSWORD)
  const channel = createChannel(email, 'Bench channel')
  const context = await browser.newContext({ serviceWorkers: 'block' })
  const page = await context.newPage()
  await page.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = []
    ;(window as unknown as { __longTasks: typeof tasks }).__longTasks = tasks
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration })
    }).observe({ type: 'longtask', buffered: true })
  })
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}`)
  const nameBox = page.getByRole('textbox', { name: 'Channel name' })
  const status = page.getByRole('status')
  await expect(nameBox).toHaveValue('Bench channel')
  await expect(status).toHaveText('All changes saved')

  // 1. 1,000 collaborators' changes in one answer.
  let injected = false
  await page.route('**/api/sync/', async (route) => {
    const body = route.request().postDataJSON() as { channel_revs: Record<string, number> }
    const from = body.channel_revs[channel.id]
    if (injected || from === undefined) return route.continue()
    injected = true
    const changes = Array.from({ length: FEED }, (_, i) => ({
      server_rev: from + 1 + i,
      table: 'channel',
      type: 2,
      key: channel.id,
      channel_id: channel.id,
      user_id: null,
      created_by_id: 1,
      unpublishable: false,
      mods: { name: `Feed ${i}`, description: `change ${i}` },
    }))
    await route.fulfill({ json: { allowed: [], disallowed: [], changes, errors: [], successes: [], tasks: [] } })
  })
  await expect(nameBox).toHaveValue(`Feed ${FEED - 1}`)
  await page.unroute('**/api/sync/')
  const apply = await page.evaluate(
    (feed) =>
      (performance.getEntriesByName('cc-sync-absorb') as PerformanceMeasure[]).find(
        (m) => (m.detail as { received: number }).received >= feed,
      )?.duration ?? null,
    FEED,
  )

  // 2. 10,000 pending changes written to the outbox, then the app (re)starts and sends them.
  const userId = await page.evaluate(() => JSON.parse(document.getElementById('bootstrap')!.textContent!).user.id as number)
  await page.evaluate(
    async ({ userId, channelId, count }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(`cc-saving-${userId}`)
        open.onsuccess = () => resolve(open.result)
        open.onerror = () => reject(open.error)
      })
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('outbox', 'readwrite')
        const store = tx.objectStore('outbox')
        for (let i = 0; i < count; i++) {
          const change = { type: 2, table: 'channel', key: channelId, mods: { description: `import ${i}` }, channel_id: channelId }
          store.add({ state: 'pending', queued: 1, change, table: 'channel', keyStr: channelId, server_rev: null, errors: null, size: JSON.stringify(change).length, created: Date.now() })
        }
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error)
      })
      db.close()
    },
    { userId, channelId: channel.id, count: PENDING },
  )
  const started = Date.now()
  await page.reload()
  await expect(status).toHaveText(/changes? waiting|Saving/, { timeout: 60_000 })
  await expect(status).toHaveText('All changes saved', { timeout: 14 * 60_000 })
  const sendSeconds = (Date.now() - started) / 1000
  const send = await page.evaluate(() => {
    const sends = performance.getEntriesByName('cc-sync-send') as PerformanceMeasure[]
    const from = sends[0]?.startTime ?? 0
    const tasks = (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((t) => t.start >= from)
    return {
      chunks: sends.length,
      largest: Math.max(0, ...sends.map((m) => (m.detail as { sent: number }).sent)),
      longTasks: tasks.length,
      longest: Math.max(0, ...tasks.map((t) => t.duration)),
      tasks: tasks.map((t) => `${(t.start - from).toFixed(0)}+${t.duration.toFixed(0)}`).join(' '),
      lastSend: (sends.at(-1)?.startTime ?? 0) - from,
    }
  })

  const line = (label: string, value: string, target: string, ok: boolean) =>
    console.log(`  ${label.padEnd(44)} ${value.padStart(12)}   target ${target.padEnd(10)} ${ok ? 'OK' : 'OVER'}`)
  console.log('\nSave engine (Chromium, live server):')
  line(`apply ${FEED} incoming feed changes`, `${apply?.toFixed(1)} ms`, `≤ ${APPLY_TARGET_MS} ms`, apply !== null && apply <= APPLY_TARGET_MS)
  line(`send ${PENDING} pending changes: chunks`, `${send.chunks}`, `≤ 100 each`, send.largest <= 100)
  line(`  longest task while sending`, `${send.longest.toFixed(0)} ms`, `≤ ${LONG_TASK_TARGET_MS} ms`, send.longest <= LONG_TASK_TARGET_MS)
  line(`  long tasks (> 50 ms) while sending`, `${send.longTasks}`, '-', true)
  console.log(`  long tasks (ms after the first send + duration): ${send.tasks}; last send at ${send.lastSend.toFixed(0)} ms`)
  line(`  until "All changes saved" (incl. server)`, `${sendSeconds.toFixed(1)} s`, '-', true)
  await context.close()
})
