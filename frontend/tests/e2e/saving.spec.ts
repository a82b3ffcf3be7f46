/**
 * The save engine as a curator meets it (issue 12, acceptance 5–8 and 10): offline edits
 * that survive a reload, refused changes in the problems panel, two tabs with one closed
 * mid-send, signing out with unsaved work. Real server, real worker, session cookie + CSRF
 * (route interception only injects failures).
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { createChannel, createUser, expectAccessible, python, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'a-long-password-1'

function addEditor(channelId: string, email: string): void {
  python(
    `from contentcuration.models import Channel, User; ` +
      `Channel.objects.get(pk='${channelId}').editors.add(User.objects.get(email='${email}'))`,
  )
}

function serverName(channelId: string): string {
  return python(`from contentcuration.models import Channel; print(Channel.objects.get(pk='${channelId}').name)`)
}

/** How many logged changes set this channel's name to `name`. */
function renamesLogged(channelId: string, name: string): number {
  const code =
    `import json; from contentcuration.models import Change; ` +
    `print(sum(1 for c in Change.objects.filter(table='channel', change_type=2, channel_id='${channelId}') ` +
    `if (c.kwargs.get('mods') or {}).get('name') == json.loads(${JSON.stringify(JSON.stringify(name))})))`
  return Number(python(code))
}

async function curator(browser: Browser, email: string, options: { serviceWorkers?: 'allow' | 'block' } = {}) {
  // Route interception cannot see requests a service worker could take: block it there.
  const context = await browser.newContext({ serviceWorkers: options.serviceWorkers ?? 'block' })
  const page = await context.newPage()
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { context, page }
}

async function openChannel(page: Page, channelId: string, name: string): Promise<void> {
  await page.goto(`/channels/${channelId}`)
  await expect(nameBox(page)).toHaveValue(name)
  await expect(status(page)).toContainText('All changes saved')
}

const status = (page: Page) => page.getByRole('status')
const nameBox = (page: Page) => page.getByRole('textbox', { name: 'Channel name' })

async function rename(page: Page, name: string): Promise<void> {
  await nameBox(page).fill(name)
  await nameBox(page).blur()
}

function setUp(names: string[]) {
  const email = uniqueEmail('saver')
  createUser(email, PASSWORD)
  const channels = names.map((name) => createChannel(email, name))
  return { email, channels }
}

test('an offline rename waits, survives a reload, and reaches the server and a collaborator', async ({ browser }) => {
  const { email, channels } = setUp(['Offline maths'])
  const channel = channels[0]!
  const editorEmail = uniqueEmail('collaborator')
  createUser(editorEmail, PASSWORD)
  addEditor(channel.id, editorEmail)

  const owner = await curator(browser, email, { serviceWorkers: 'allow' })
  await openChannel(owner.page, channel.id, 'Offline maths')
  // The service worker keeps the page once it controls it: load it once more online.
  await owner.page.evaluate(() => navigator.serviceWorker.ready)
  await owner.page.reload()
  await expect(nameBox(owner.page)).toHaveValue('Offline maths')

  const collaborator = await curator(browser, editorEmail)
  await openChannel(collaborator.page, channel.id, 'Offline maths')

  await owner.context.setOffline(true)
  await rename(owner.page, 'Offline maths, renamed')
  await expect(status(owner.page)).toHaveText('Offline — 1 change waiting')

  await owner.page.reload()
  await expect(nameBox(owner.page)).toHaveValue('Offline maths, renamed')
  await expect(status(owner.page)).toHaveText('Offline — 1 change waiting')
  await expectAccessible(owner.page)
  expect(serverName(channel.id)).toBe('Offline maths')

  await owner.context.setOffline(false)
  await expect(status(owner.page)).toHaveText('All changes saved', { timeout: 10_000 })
  expect(serverName(channel.id)).toBe('Offline maths, renamed')
  await expect(nameBox(collaborator.page)).toHaveValue('Offline maths, renamed')
  expect(renamesLogged(channel.id, 'Offline maths, renamed')).toBe(1)
  await owner.context.close()
  await collaborator.context.close()
})

test('a refused change is listed with the server message; Retry saves it, Discard restores the server value', async ({
  browser,
}) => {
  const { email, channels } = setUp(['Problem channel'])
  const channel = channels[0]!
  const { context, page } = await curator(browser, email)
  await openChannel(page, channel.id, 'Problem channel')

  // The server refuses the change naming `refused`; everything else goes through for real.
  const refuse = async (refused: string) => {
    await page.route('**/api/sync/', async (route) => {
      const body = route.request().postDataJSON() as { changes: { rev: number; mods?: { name?: string } }[] }
      const target = body.changes.find((change) => change.mods?.name === refused)
      if (!target) return route.continue()
      const rest = { ...body, changes: body.changes.filter((change) => change !== target) }
      const response = await route.fetch({ postData: JSON.stringify(rest) })
      const json = await response.json()
      const serverRev = 2_000_000_000 + target.rev
      json.allowed.push({ rev: target.rev, server_rev: serverRev })
      json.errors.push({ ...target, rev: undefined, server_rev: serverRev, errors: { name: ['Injected: this name is not accepted.'] } })
      await route.fulfill({ response, json })
    })
  }

  await refuse('Refused name')
  await rename(page, 'Refused name')
  await expect(status(page)).toHaveText('1 change could not be saved')
  await page.getByRole('button', { name: 'Problems' }).click()
  const panel = page.getByRole('dialog', { name: 'Problems' })
  await expect(panel).toContainText('Channel “Problem channel”')
  await expect(panel).toContainText('name: Injected: this name is not accepted.')
  await expect(nameBox(page)).toHaveValue('Refused name') // not quietly reverted
  await expectAccessible(page)

  await page.unroute('**/api/sync/')
  await panel.getByRole('button', { name: 'Retry' }).click()
  await expect(panel).toContainText('Every change was saved.')
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverName(channel.id)).toBe('Refused name')
  await panel.getByRole('button', { name: 'Close' }).click()

  await refuse('Second refusal')
  await rename(page, 'Second refusal')
  await expect(status(page)).toHaveText('1 change could not be saved')
  await page.getByRole('button', { name: 'Problems' }).click()
  await expect(panel).toContainText('Injected: this name is not accepted.')
  await panel.getByRole('button', { name: 'Discard' }).click()
  await expect(panel).toContainText('Every change was saved.')
  await expect(status(page)).toHaveText('All changes saved')
  await panel.getByRole('button', { name: 'Close' }).click()
  await expect(nameBox(page)).toHaveValue('Refused name')
  expect(serverName(channel.id)).toBe('Refused name')
  await context.close()
})

test('two tabs edit two channels and the sending tab closes mid-send: nothing lost, nothing doubled', async ({ browser }) => {
  const { email, channels } = setUp(['Tab one', 'Tab two'])
  const one = channels[0]!
  const two = channels[1]!
  const { context, page: first } = await curator(browser, email)
  await openChannel(first, one.id, 'Tab one')
  const second = await context.newPage()
  await openChannel(second, two.id, 'Tab two')

  // The first tab holds the sending lock. Its next send reaches the server, but the answer
  // never comes back: the tab is closed while waiting for it.
  let delivered!: (changes: unknown[]) => void
  const arrived = new Promise<unknown[]>((resolve) => (delivered = resolve))
  await first.route('**/api/sync/', async (route) => {
    const body = route.request().postDataJSON() as { changes: unknown[] }
    if (!body.changes.length) return route.continue()
    await route.fetch()
    delivered(body.changes)
    await new Promise(() => undefined) // the answer is lost
  })

  await rename(first, 'Tab one, edited')
  await rename(second, 'Tab two, edited')
  const inFlight = await arrived
  expect(inFlight.length).toBeGreaterThan(0)
  await expect(status(second)).toHaveText('Saving…')
  await first.close()

  await expect(status(second)).toHaveText('All changes saved', { timeout: 15_000 })
  expect(serverName(one.id)).toBe('Tab one, edited')
  expect(serverName(two.id)).toBe('Tab two, edited')
  expect(renamesLogged(one.id, 'Tab one, edited')).toBe(1)
  expect(renamesLogged(two.id, 'Tab two, edited')).toBe(1)
  await context.close()
})

test('signing out with an unsent change asks first; Cancel keeps it and it is sent once back online', async ({ browser }) => {
  const { email, channels } = setUp(['Sign-out channel'])
  const channel = channels[0]!
  const { context, page }: { context: BrowserContext; page: Page } = await curator(browser, email)
  await openChannel(page, channel.id, 'Sign-out channel')

  await context.setOffline(true)
  await rename(page, 'Kept through sign-out')
  await expect(status(page)).toHaveText('Offline — 1 change waiting')

  await page.getByRole('button', { name: 'Account' }).click()
  await page.getByRole('button', { name: 'Sign out', exact: true }).click()
  const ask = page.getByRole('dialog', { name: 'Discard 1 unsaved change?' })
  await expect(ask).toBeVisible()
  await ask.getByRole('button', { name: 'Cancel' }).click()
  await expect(ask).toBeHidden()
  await expect(page).toHaveURL(new RegExp(`/channels/${channel.id}`))
  await expect(status(page)).toHaveText('Offline — 1 change waiting')

  await context.setOffline(false)
  await expect(status(page)).toHaveText('All changes saved', { timeout: 10_000 })
  expect(serverName(channel.id)).toBe('Kept through sign-out')
  await context.close()
})

test('a change made after the session expired waits for a new sign-in and is then sent', async ({ browser }) => {
  const { email, channels } = setUp(['Expiring channel'])
  const channel = channels[0]!
  const { context, page } = await curator(browser, email)
  await openChannel(page, channel.id, 'Expiring channel')

  python(`from django.contrib.sessions.models import Session; Session.objects.all().delete()`)
  await rename(page, 'Saved after signing in again')
  await expect(status(page)).toHaveText('Session expired — sign in to save 1 change')

  await page.getByRole('link', { name: 'Sign in' }).click()
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(new RegExp(`/channels/${channel.id}`))
  await expect(status(page)).toHaveText('All changes saved', { timeout: 10_000 })
  expect(serverName(channel.id)).toBe('Saved after signing in again')
  await context.close()
})
