/**
 * Copying in the channel editor (issue 13, acceptance 8 and 9): "Make a copy" shows the copy
 * at once as "copying" and settles it without a reload; an injected copy failure shows the
 * server's reason and a Retry that works; "Copy to clipboard" then "Paste here" in another
 * channel copies there. Real server and worker; every journey is also checked on the server.
 */
import { expect, test, type Page } from '@playwright/test'
import { addChildren, createChannel, createUser, expectAccessible, python, rootOf, signIn, uniqueEmail } from './helpers'
import { manage } from './server'

const PASSWORD = 'a-long-password-1'

async function curator(page: Page) {
  const email = uniqueEmail('copier')
  const user = createUser(email, PASSWORD)
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { email, user }
}

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const rows = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const status = (page: Page) => page.getByRole('status').filter({ hasText: /saved|Saving|could not be saved|Offline/ })

/** The server's children of `parentId` in order: [title, number of descendants]. */
function childrenOnServer(parentId: string): [string, number][] {
  return JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode; ` +
        `print(json.dumps([[n.title, n.get_descendant_count()] for n in ContentNode.objects.filter(parent_id='${parentId}').order_by('lft')]))`,
    ),
  ) as [string, number][]
}

// Each journey makes its users, channels and trees with several manage.py runs (seconds each).
test.describe.configure({ timeout: 150_000 })

test.afterEach(() => {
  manage(['inject_fault', 'copy', '--clear'])
})

test('acceptance 8: duplicating a folder of 10 shows "copying", then the copy; an injected failure shows Retry, which works', async ({
  page,
  context,
}) => {
  const { email } = await curator(page)
  const channel = createChannel(email, 'Maths 5', { language: 'fr' })
  const root = rootOf(channel.id)
  const [unit] = addChildren(root, [{ title: 'Unit 1' }, { title: 'Welcome', kind: 'document' }])
  addChildren(unit!, { spec: { title: 'Lesson', kind: 'document' }, count: 10 })
  await page.goto(`/channels/${channel.id}`)
  await expect(rows(page, 'Unit 1')).toHaveCount(1)
  await expect(rows(page, 'Unit 1')).toContainText('10 resources')

  // Offline, the copy cannot leave: it stays "copying" for the test to see.
  await context.setOffline(true)
  await rows(page, 'Unit 1').getByRole('button', { name: 'Options for Unit 1' }).click()
  await page.getByRole('menuitem', { name: 'Make a copy' }).click()
  await expect(rows(page, 'Unit 1')).toHaveCount(2)
  const copy = rows(page, 'Unit 1').nth(1) // right after its source
  await expect(copy).toContainText('Copying…')
  await expect(copy).toHaveAttribute('aria-busy', 'true')
  await expect(copy.getByRole('progressbar', { name: 'Copying Unit 1' })).toBeVisible()
  await expect(copy.getByRole('button', { name: 'Options for Unit 1' })).toHaveCount(0)
  await expect(contents(page).getByRole('listitem').nth(2)).toHaveAccessibleName('Welcome')
  await expectAccessible(page)

  await context.setOffline(false)
  await expect(copy).not.toContainText('Copying…')
  await expect(copy).toContainText('10 resources')
  await expect(copy.getByRole('link', { name: 'Unit 1' })).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(root)).toEqual([
    ['Unit 1', 10],
    ['Unit 1', 10],
    ['Welcome', 0],
  ])

  // The next copy fails on the server (after writing its rows, inside its transaction).
  manage(['inject_fault', 'copy'])
  await rows(page, 'Unit 1').first().getByRole('button', { name: 'Options for Unit 1' }).click()
  await page.getByRole('menuitem', { name: 'Make a copy' }).click()
  const failed = rows(page, 'Unit 1').nth(1)
  await expect(failed).toContainText('Copy failed: The copy failed (a fault injected by a test).')
  await expect(rows(page, 'Unit 1')).toHaveCount(3)
  expect(childrenOnServer(root)).toHaveLength(3) // nothing of it was kept
  await expectAccessible(page)

  await failed.getByRole('button', { name: 'Retry copying Unit 1' }).click()
  await expect(contents(page).locator('[data-copying]')).toHaveCount(0)
  await expect(rows(page, 'Unit 1')).toHaveCount(3)
  for (const index of [0, 1, 2]) await expect(rows(page, 'Unit 1').nth(index)).toContainText('10 resources')
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(root)).toEqual([
    ['Unit 1', 10],
    ['Unit 1', 10],
    ['Unit 1', 10],
    ['Welcome', 0],
  ])

  // A copy is one step of the history: Ctrl+Z moves it to the trash.
  await page.keyboard.press('Control+z')
  await expect(rows(page, 'Unit 1')).toHaveCount(2)
  await expect(status(page)).toHaveText('All changes saved')
  await expect.poll(() => childrenOnServer(root)).toEqual([
    ['Unit 1', 10],
    ['Unit 1', 10],
    ['Welcome', 0],
  ])

  // As the server has it after a reload.
  await page.reload()
  await expect(rows(page, 'Unit 1')).toHaveCount(2)
  await expect(contents(page).locator('[data-copying]')).toHaveCount(0)
})

test('a folder over the inline limit copies as a job: copying until the job ends; a failed job shows its reason and Retry copies', async ({
  page,
}) => {
  const { email } = await curator(page)
  const channel = createChannel(email, 'Big copies')
  const root = rootOf(channel.id)
  const [big] = addChildren(root, [{ title: 'Big unit' }])
  addChildren(big!, { spec: { title: 'Video', kind: 'video' }, count: 501 }) // 502 nodes: more than 500 run as a job
  await page.goto(`/channels/${channel.id}`)
  await expect(rows(page, 'Big unit')).toContainText('501 resources')

  manage(['inject_fault', 'copy'])
  await rows(page, 'Big unit').getByRole('button', { name: 'Options for Big unit' }).click()
  await page.getByRole('menuitem', { name: 'Make a copy' }).click()
  const copy = rows(page, 'Big unit').nth(1)
  await expect(copy).toContainText('Copying…')
  // The job fails (on the worker); the feed says FAILED and the job's message is in `tasks`.
  await expect(copy).toContainText('Copy failed: The copy failed (a fault injected by a test).', { timeout: 30_000 })
  expect(childrenOnServer(root)).toEqual([['Big unit', 501]])
  await expectAccessible(page)

  await copy.getByRole('button', { name: 'Retry copying Big unit' }).click()
  await expect(copy).toContainText('Copying…')
  await expect(contents(page).locator('[data-copying]')).toHaveCount(0, { timeout: 30_000 })
  await expect(rows(page, 'Big unit').nth(1)).toContainText('501 resources')
  expect(childrenOnServer(root)).toEqual([
    ['Big unit', 501],
    ['Big unit', 501],
  ])
})

test('acceptance 9: two items copied to the clipboard from a view-only channel are pasted into another channel', async ({ page, context }) => {
  const { email, user } = await curator(page)
  const owner = uniqueEmail('owner')
  createUser(owner, PASSWORD)
  const library = createChannel(owner, 'Library')
  const libraryRoot = rootOf(library.id)
  const [, unitA] = addChildren(libraryRoot, [{ title: 'Intro', kind: 'document' }, { title: 'Unit A' }, { title: 'Extra', kind: 'document' }])
  addChildren(unitA!, [{ title: 'Part 1', kind: 'document' }, { title: 'Part 2', kind: 'video' }])
  python(`from contentcuration.models import Channel; Channel.objects.get(pk='${library.id}').viewers.add(${user.id})`)
  const mine = createChannel(email, 'My course', { language: 'en' })
  const mineRoot = rootOf(mine.id)
  addChildren(mineRoot, [{ title: 'Existing' }])

  // View-only: the same screens, read-only, with "Copy to clipboard" (row menu and selection).
  await page.goto(`/channels/${library.id}`)
  await expect(rows(page, 'Intro')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Add' })).toHaveCount(0)
  await rows(page, 'Intro').getByRole('button', { name: 'Options for Intro' }).click()
  await expect(page.getByRole('menuitem', { name: 'Make a copy' })).toBeDisabled()
  await page.getByRole('menuitem', { name: 'Copy to clipboard' }).click()
  await expect(page.getByText('1 item copied to the clipboard')).toBeVisible()
  await rows(page, 'Unit A').getByRole('checkbox', { name: 'Select Unit A' }).click()
  await page.getByRole('button', { name: 'Copy to clipboard', exact: true }).click()
  await expect(page.getByText('1 item copied to the clipboard')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  const onClipboard = JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode, User; u = User.objects.get(pk=${user.id}); ` +
        `print(json.dumps([[n.title, n.source_channel_id] for n in ContentNode.objects.filter(parent_id=u.clipboard_tree_id).order_by('lft')]))`,
    ),
  )
  expect(onClipboard).toEqual([
    ['Intro', library.id],
    ['Unit A', library.id],
  ])

  // Another channel: the clipboard's "Paste here" copies both into the open folder.
  await page.goto(`/channels/${mine.id}`)
  await expect(rows(page, 'Existing')).toBeVisible()
  await page.getByRole('button', { name: 'Clipboard', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Clipboard' })
  const items = dialog.getByRole('list', { name: 'Items on the clipboard' })
  await expect(items.getByRole('listitem')).toHaveCount(2)
  await expect(items.getByRole('checkbox', { name: 'Include Intro' })).toBeChecked()
  await expect(items.getByRole('checkbox', { name: 'Include Unit A' })).toBeChecked()
  await expectAccessible(page)
  await context.setOffline(true) // the copies wait to be sent: "copying" stays visible
  await dialog.getByRole('button', { name: 'Paste here' }).click()
  await expect(dialog).toBeHidden()
  await expect(rows(page, 'Intro')).toContainText('Copying…')
  await expect(rows(page, 'Unit A')).toContainText('Copying…')
  await context.setOffline(false)
  await expect(contents(page).locator('[data-copying]')).toHaveCount(0)
  await expect(rows(page, 'Unit A')).toContainText('2 resources')
  await expect(rows(page, 'Intro').getByRole('link', { name: 'Intro' })).toBeVisible()
  await expect(contents(page).getByRole('listitem')).toHaveText([/Existing/, /Intro/, /Unit A/])
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(mineRoot)).toEqual([
    ['Existing', 0],
    ['Intro', 0],
    ['Unit A', 2],
  ])
  const provenance = JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode; ` +
        `print(json.dumps([[n.title, n.source_channel_id, n.source_node_id == ContentNode.objects.get(pk=n.cloned_source_id).node_id] ` +
        `for n in ContentNode.objects.filter(parent_id='${mineRoot}', cloned_source__isnull=False).order_by('lft')]))`,
    ),
  )
  expect(provenance).toEqual([
    ['Intro', library.id, true],
    ['Unit A', library.id, true],
  ])
  expect(childrenOnServer(libraryRoot)).toEqual([
    ['Intro', 0],
    ['Unit A', 2],
    ['Extra', 0],
  ])
})

test('cut and paste by keyboard: Ctrl+X on the selection, Ctrl+V in another folder moves it there', async ({ page }) => {
  const { email } = await curator(page)
  const channel = createChannel(email, 'Physics')
  const root = rootOf(channel.id)
  const [unit] = addChildren(root, [{ title: 'Unit 1' }, { title: 'Doc 1', kind: 'document' }, { title: 'Doc 2', kind: 'document' }, { title: 'Doc 3', kind: 'document' }])
  await page.goto(`/channels/${channel.id}`)
  await expect(rows(page, 'Doc 1')).toBeVisible()

  // Keyboard only: Space ticks the focused checkbox.
  await rows(page, 'Doc 1').getByRole('checkbox', { name: 'Select Doc 1' }).focus()
  await page.keyboard.press('Space')
  await rows(page, 'Doc 3').getByRole('checkbox', { name: 'Select Doc 3' }).focus()
  await page.keyboard.press('Space')
  await page.keyboard.press('Control+x')
  await expect(page.getByText('2 items cut: open a folder and press Ctrl+V to move them there')).toBeVisible()
  // Into a folder by the keyboard too: the cut stays while another folder opens.
  await rows(page, 'Unit 1').getByRole('link', { name: 'Unit 1' }).focus()
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/folders/${unit}$`))
  await expect(page.getByText('This folder is empty.', { exact: false })).toBeVisible()
  await page.keyboard.press('Control+v')
  await expect(rows(page, 'Doc 1')).toBeVisible()
  await expect(rows(page, 'Doc 3')).toBeVisible()
  await expect(page.getByText('2 items moved here')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(unit!)).toEqual([
    ['Doc 1', 0],
    ['Doc 3', 0],
  ])
  expect(childrenOnServer(root)).toEqual([
    ['Unit 1', 2],
    ['Doc 2', 0],
  ])

  // The paste is one step of the history: Ctrl+Z puts both back where they were, Ctrl+Shift+Z
  // moves them here again.
  await page.keyboard.press('Control+z')
  await expect(rows(page, 'Doc 1')).toHaveCount(0)
  await expect(status(page)).toHaveText('All changes saved')
  await expect.poll(() => childrenOnServer(root).map(([title]) => title)).toEqual(['Unit 1', 'Doc 1', 'Doc 2', 'Doc 3'])
  await page.keyboard.press('Control+Shift+z')
  await expect(rows(page, 'Doc 3')).toBeVisible()
  await expect.poll(() => childrenOnServer(unit!).map(([title]) => title)).toEqual(['Doc 1', 'Doc 3'])

  // A folder cut and pasted into itself is refused, and nothing moves.
  await page.goto(`/channels/${channel.id}`)
  await rows(page, 'Unit 1').getByRole('checkbox', { name: 'Select Unit 1' }).check()
  await page.keyboard.press('Control+x')
  await rows(page, 'Unit 1').getByRole('link', { name: 'Unit 1' }).click()
  await expect(rows(page, 'Doc 1')).toBeVisible()
  await page.keyboard.press('Control+v')
  await expect(page.getByRole('alert')).toContainText('A folder cannot be moved into itself')
  expect(childrenOnServer(root)).toEqual([
    ['Unit 1', 2],
    ['Doc 2', 0],
  ])
})
