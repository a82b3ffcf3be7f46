/**
 * The channel editor (issue 13): navigating a channel's folders by the tree, the breadcrumbs
 * and the rows, deep links that work on reload, creating folders, editing, and a folder of
 * 5,000 children listed by scrolling. Real server and worker; data made on the server.
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { addChildren, createChannel, createUser, expectAccessible, python, rootOf, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'a-long-password-1'

async function curatorWithChannel(page: Page, name: string) {
  const email = uniqueEmail('editor')
  createUser(email, PASSWORD)
  const channel = createChannel(email, name, { language: 'fr' })
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { email, channel, root: rootOf(channel.id) }
}

const tree = (page: Page) => page.getByRole('tree', { name: 'Folders' })
const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const crumbs = (page: Page) => page.getByRole('navigation', { name: 'Folder path' })

test('folders are reached by the tree, the rows and the breadcrumbs, and deep links work on reload', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Geography')
  const [europe] = addChildren(root, [{ title: 'Europe' }, { title: 'Welcome', kind: 'document', description: 'Read me first' }])
  const [france] = addChildren(europe!, [{ title: 'France' }, { title: 'Spain' }])
  addChildren(france!, [{ title: 'Paris', kind: 'video' }])

  const reads: string[] = []
  page.on('request', (request) => {
    if (request.url().includes('/api/') && request.method() === 'GET') reads.push(new URL(request.url()).pathname)
  })
  await page.goto(`/channels/${channel.id}/`)
  await expect(page.getByRole('textbox', { name: 'Channel name' })).toHaveValue('Geography')
  await expect(row(page, 'Europe')).toBeVisible()
  await expect(row(page, 'Welcome')).toContainText('Read me first')
  await expect(row(page, 'Welcome').getByRole('checkbox', { name: 'Select Welcome' })).toBeVisible()
  await expect(tree(page).getByRole('treeitem', { name: 'Geography' })).toBeVisible()
  await expectAccessible(page)
  // The first screen is one read (channel, path, sidebar, first page); the top bar's count of
  // unpublished changes is its own small read.
  const screenReads = reads.filter((path) => !path.includes('/unpublished_changes/'))
  expect(screenReads.filter((path) => path.startsWith(`/api/channel/${channel.id}`) || path.startsWith('/api/contentnode'))).toEqual([
    `/api/channel/${channel.id}/editor`,
  ])

  // Into a folder by its row, then deeper by the tree.
  await row(page, 'Europe').getByRole('link', { name: 'Europe' }).click()
  await expect(page).toHaveURL(new RegExp(`/channels/${channel.id}/folders/${europe}$`))
  await expect(row(page, 'France')).toBeVisible()
  await tree(page).getByRole('treeitem', { name: 'France' }).click()
  await expect(page).toHaveURL(new RegExp(`/folders/${france}$`))
  await expect(row(page, 'Paris')).toBeVisible()
  await expect(crumbs(page)).toHaveText(/^Geography\s*›\s*Europe\s*›\s*France$/)

  // A deep link on reload: the tree opens down to the folder.
  await page.reload()
  await expect(row(page, 'Paris')).toBeVisible()
  await expect(tree(page).getByRole('treeitem', { name: 'France' })).toBeVisible()
  await expect(tree(page).getByRole('treeitem', { name: 'Spain' })).toBeVisible()
  await crumbs(page).getByRole('link', { name: 'Geography' }).click()
  await expect(row(page, 'Europe')).toBeVisible()
})

test('rows are selected one by one, as a shift-click range, or all at once', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Selections')
  addChildren(root, { spec: { title: 'Item', kind: 'document' }, count: 6 })
  await page.goto(`/channels/${channel.id}`)
  const box = (title: string) => row(page, title).getByRole('checkbox', { name: `Select ${title}` })
  await box('Item 2').click()
  await box('Item 5').click({ modifiers: ['Shift'] })
  for (const i of [2, 3, 4, 5]) await expect(box(`Item ${i}`)).toBeChecked()
  for (const i of [1, 6]) await expect(box(`Item ${i}`)).not.toBeChecked()
  await expect(page.getByText('4 selected')).toBeVisible()
  await box('Item 3').click()
  await expect(box('Item 3')).not.toBeChecked()
  await expect(page.getByText('3 selected')).toBeVisible()
  const all = page.getByRole('checkbox', { name: 'Select all' })
  await all.click()
  for (const i of [1, 2, 3, 4, 5, 6]) await expect(box(`Item ${i}`)).toBeChecked()
  await expect(page.getByText('6 selected')).toBeVisible()
  await all.click()
  await expect(box('Item 4')).not.toBeChecked()
  await expect(page.getByText(/selected$/)).toHaveCount(0)
})

/** The server's nodes under `parentId`, in order: [title, kind]. */
function childrenOnServer(parentId: string): [string, string][] {
  return JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode; ` +
        `print(json.dumps([[n.title, n.kind_id] for n in ContentNode.objects.filter(parent_id='${parentId}').order_by('lft')]))`,
    ),
  ) as [string, string][]
}

function idOnServer(parentId: string, title: string): string {
  return python(
    `from contentcuration.models import ContentNode; print(ContentNode.objects.get(parent_id='${parentId}', title='${title}').pk)`,
  )
}

const status = (page: Page) => page.getByRole('status')

/** A second editor of the channel, signed in in its own browser context, who writes through
 * /api/sync/ with their session and CSRF token as their browser would. */
async function collaboratorOf(browser: Browser, channelId: string) {
  const email = uniqueEmail('collaborator')
  const user = createUser(email, PASSWORD)
  python(`from contentcuration.models import Channel; Channel.objects.get(pk='${channelId}').editors.add(${user.id})`)
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  let rev = 0
  return {
    context,
    page,
    async sync(changes: Record<string, unknown>[]) {
      const csrf = (await context.cookies()).find((c) => c.name === 'csrftoken')!.value
      const response = await context.request.post('/api/sync/', {
        headers: { 'X-CSRFToken': csrf, Referer: page.url() },
        data: { changes: changes.map((c) => ({ ...c, rev: ++rev })), channel_revs: {}, user_rev: 0 },
      })
      expect(response.ok()).toBe(true)
      const answer = await response.json()
      expect(answer.errors).toEqual([])
      expect(answer.disallowed).toEqual([])
    },
  }
}

test('acceptance 1: Add → New folder (an empty title refused), a sub-folder from the row menu, shown in the tree and breadcrumbs', async ({
  page,
}) => {
  const { channel, root } = await curatorWithChannel(page, 'Maths 5')
  addChildren(root, [{ title: 'Introduction', kind: 'document' }])
  await page.goto(`/channels/${channel.id}`)
  await expect(row(page, 'Introduction')).toBeVisible()

  await page.getByRole('button', { name: 'Add' }).click()
  const menu = page.getByRole('menu')
  await expect(menu.getByRole('menuitem', { name: 'Upload files' })).toBeEnabled()
  await expect(menu.getByRole('menuitem', { name: 'New exercise' })).toBeEnabled()
  await expect(menu.getByRole('menuitem', { name: 'Import from channels' })).toBeDisabled()
  await menu.getByRole('menuitem', { name: 'New folder' }).click()
  const dialog = page.getByRole('dialog', { name: 'New folder' })
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(dialog).toContainText('Enter a title for the folder.')
  await expectAccessible(page)
  await dialog.getByRole('textbox', { name: 'Title' }).fill('Unit 1')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(dialog).toBeHidden()
  // Shown at once, after the last child, in the list and the tree.
  await expect(row(page, 'Unit 1')).toBeVisible()
  await expect(contents(page).getByRole('listitem').last()).toHaveAccessibleName('Unit 1')
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 1' })).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(root)).toEqual([
    ['Introduction', 'document'],
    ['Unit 1', 'topic'],
  ])

  await row(page, 'Unit 1').getByRole('button', { name: 'Options for Unit 1' }).click()
  await page.getByRole('menuitem', { name: 'New sub-folder' }).click()
  const sub = page.getByRole('dialog', { name: 'New folder in Unit 1' })
  await sub.getByRole('textbox', { name: 'Title' }).fill('Lesson 1')
  await sub.getByRole('button', { name: 'Create' }).click()
  await expect(sub).toBeHidden()
  await expect(status(page)).toHaveText('All changes saved')
  const unit = idOnServer(root, 'Unit 1')
  expect(childrenOnServer(unit)).toEqual([['Lesson 1', 'topic']])

  await row(page, 'Unit 1').getByRole('link', { name: 'Unit 1' }).click()
  await row(page, 'Lesson 1').getByRole('link', { name: 'Lesson 1' }).click()
  await expect(crumbs(page)).toHaveText(/^Maths 5\s*›\s*Unit 1\s*›\s*Lesson 1$/)
  await expect(tree(page).getByRole('treeitem', { name: 'Lesson 1' })).toBeVisible()
  await page.reload()
  await expect(crumbs(page)).toHaveText(/^Maths 5\s*›\s*Unit 1\s*›\s*Lesson 1$/)
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 1' })).toBeVisible()
  await expect(tree(page).getByRole('treeitem', { name: 'Lesson 1' })).toBeVisible()
})

test('the edit panel saves as you type and keeps half-typed text when a collaborator edits the same node', async ({ page, browser }) => {
  const { channel, root } = await curatorWithChannel(page, 'Edits')
  const [doc] = addChildren(root, [{ title: 'Old title', kind: 'document' }])
  await page.goto(`/channels/${channel.id}`)
  await row(page, 'Old title').getByRole('button', { name: 'Options for Old title' }).click()
  await page.getByRole('menuitem', { name: 'Edit' }).click()
  await expect(page).toHaveURL(new RegExp(`/folders/${root}/nodes/${doc}$`))
  const title = page.getByRole('textbox', { name: 'Title' })
  const description = page.getByRole('textbox', { name: 'Description' })
  await title.fill('New title')
  await expect(row(page, 'New title')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  expect(python(`from contentcuration.models import ContentNode; print(ContentNode.objects.get(pk='${doc}').title)`)).toBe('New title')
  await expectAccessible(page)

  // Deep link to the panel on reload.
  await page.reload()
  await expect(title).toHaveValue('New title')

  // Typing a description while a collaborator changes it: the curator's text stays.
  const collaborator = await collaboratorOf(browser, channel.id)
  await description.pressSequentially('Half typed', { delay: 20 })
  await collaborator.sync([{ type: 2, table: 'contentnode', key: doc, mods: { description: 'Theirs', title: 'Their title' }, channel_id: channel.id }])
  await expect(title).toHaveValue('Their title') // a field the curator is not typing in follows
  await description.pressSequentially(' and finished', { delay: 20 })
  await expect(description).toHaveValue('Half typed and finished')
  // A folder the collaborator adds shows up in the list and the tree without a reload.
  const theirs = crypto.randomUUID().replaceAll('-', '')
  await collaborator.sync([
    { type: 1, table: 'contentnode', key: theirs, obj: { id: theirs, title: 'Their folder', kind: 'topic', parent: root }, channel_id: channel.id },
  ])
  await expect(row(page, 'Their folder')).toBeVisible({ timeout: 10_000 })
  await expect(tree(page).getByRole('treeitem', { name: 'Their folder' })).toBeVisible()
  await expect(description).toHaveValue('Half typed and finished')
  await collaborator.context.close()
  await page.getByRole('button', { name: 'Done' }).click()
  await expect(page).toHaveURL(new RegExp(`/channels/${channel.id}$`))
  await expect(status(page)).toHaveText('All changes saved')
  expect(python(`from contentcuration.models import ContentNode; print(ContentNode.objects.get(pk='${doc}').description)`)).toBe(
    'Half typed and finished',
  )
})

test('acceptance 2: a folder of 5,000 children lists every one by scrolling', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Big channel')
  const [big] = addChildren(root, [{ title: 'Big folder' }])
  addChildren(big!, { spec: { title: 'Video', kind: 'video' }, count: 5000 })
  await page.goto(`/channels/${channel.id}/folders/${big}`)
  await expect(row(page, 'Video 1')).toBeVisible()
  await expect(page.getByText('5,000 resources')).toBeVisible()
  const list = contents(page)
  // Long tasks (> 50 ms) while scrolling: the page must stay responsive.
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] }
    w.longTasks = []
    new PerformanceObserver((entries) => entries.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask' })
  })
  const started = Date.now()
  // Scroll to the end, page after page, until the last child is listed.
  await expect(async () => {
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await expect(row(page, 'Video 5000')).toBeVisible({ timeout: 200 })
  }).toPass({ timeout: 60_000, intervals: [50] })
  const seconds = (Date.now() - started) / 1000
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks)
  const longest = Math.max(0, ...longTasks)
  console.log(`scrolled to the 5,000th child in ${seconds.toFixed(1)} s; ${longTasks.length} long tasks, longest ${longest.toFixed(0)} ms`)
  expect(longest).toBeLessThan(500) // generous: 2 shared cores; the benchmark's target is 100 ms
  await expect(page.getByText('5,000 items', { exact: true })).toBeVisible()
  await expect(row(page, 'Video 5000')).toHaveAttribute('aria-posinset', '5000')
  await expect(row(page, 'Video 5000')).toHaveAttribute('aria-setsize', '5000')
  // Still responsive: back to the top and into the edit panel of a row.
  await list.evaluate((el) => el.scrollTo(0, 0))
  await row(page, 'Video 1').getByRole('link', { name: 'Video 1' }).click()
  await expect(page.getByRole('textbox', { name: 'Title' })).toHaveValue('Video 1')
})

test('acceptance 7: delete 3 → Undo puts them back in place; delete again → Trash → restore one, delete the others forever', async ({
  page,
  browser,
}) => {
  const { email, channel, root } = await curatorWithChannel(page, 'Trash channel')
  addChildren(root, [{ title: 'Unit 1' }])
  const titles = ['Item 1', 'Item 2', 'Item 3', 'Item 4', 'Item 5']
  addChildren(root, titles.map((title) => ({ title, kind: 'document' })))
  const order = ['Unit 1', ...titles]
  const serverTitles = (parent: string) => childrenOnServer(parent).map(([title]) => title)

  await page.goto(`/channels/${channel.id}`)
  for (const title of ['Item 1', 'Item 3', 'Item 4']) await row(page, title).getByRole('checkbox', { name: `Select ${title}` }).click()
  await page.getByRole('button', { name: 'Delete selected' }).click()
  await expect(page.getByText('3 items moved to the trash')).toBeVisible()
  await expect(row(page, 'Item 3')).toBeHidden()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(['Unit 1', 'Item 2', 'Item 5'])
  await page.getByRole('region', { name: 'Notification' }).getByRole('button', { name: 'Undo' }).click()
  await expect(contents(page).getByRole('listitem')).toHaveCount(6)
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(order)

  // A fresh context sees them back in their places.
  const fresh = await browser.newContext()
  const other = await fresh.newPage()
  await signIn(other, email, PASSWORD)
  await expect(other).not.toHaveURL(/accounts\/login/)
  await other.goto(`/channels/${channel.id}`)
  await expect(row(other, 'Item 5')).toBeVisible()
  const names = await contents(other).getByRole('listitem').evaluateAll((items) => items.map((i) => i.getAttribute('aria-labelledby') && document.getElementById(i.getAttribute('aria-labelledby')!)?.textContent?.trim()))
  expect(names).toEqual(order)
  await fresh.close()

  // Delete again, then restore one into "Unit 1" and delete the others forever.
  for (const title of ['Item 1', 'Item 3', 'Item 4']) await row(page, title).getByRole('button', { name: `Options for ${title}` }).click().then(() => page.getByRole('menuitem', { name: 'Delete' }).click())
  await expect(status(page)).toHaveText('All changes saved')
  await page.getByRole('button', { name: 'Channel menu' }).click()
  await page.getByRole('link', { name: 'Trash', exact: true }).click()
  await expect(page.getByRole('heading', { name: 'Trash', exact: true })).toBeVisible()
  const trash = page.getByRole('list', { name: 'Items in the trash' })
  await expect(trash.getByRole('listitem')).toHaveCount(3)
  await expectAccessible(page)
  await trash.getByRole('checkbox', { name: 'Select Item 3' }).check()
  await page.getByRole('button', { name: 'Restore…' }).click()
  const picker = page.getByRole('dialog', { name: 'Restore 1 item to…' })
  await picker.getByRole('treeitem', { name: 'Unit 1' }).click()
  await expect(picker).toContainText('Chosen: Unit 1')
  await picker.getByRole('button', { name: 'Restore here' }).click()
  await expect(trash.getByRole('listitem')).toHaveCount(2)
  await page.getByRole('checkbox', { name: 'Select all' }).check()
  await page.getByRole('button', { name: 'Delete forever' }).click()
  await page.getByRole('dialog', { name: 'Delete 2 items forever?' }).getByRole('button', { name: 'Delete forever' }).click()
  await expect(page.getByText('The trash is empty.')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')

  const unit = idOnServer(root, 'Unit 1')
  expect(serverTitles(unit)).toEqual(['Item 3'])
  expect(serverTitles(root)).toEqual(['Unit 1', 'Item 2', 'Item 5'])
  const trashRoot = python(`from contentcuration.models import Channel; print(Channel.objects.get(pk='${channel.id}').trash_tree_id)`)
  expect(serverTitles(trashRoot)).toEqual([])
  expect(
    python(`from contentcuration.models import ContentNode; print(ContentNode.objects.filter(title__in=['Item 1', 'Item 4'], tree_id__in=ContentNode.objects.filter(pk__in=['${root}', '${trashRoot}']).values('tree_id')).count())`),
  ).toBe('0')
})

async function listedTitles(page: Page): Promise<string[]> {
  return contents(page)
    .getByRole('listitem')
    .evaluateAll((items) => items.map((item) => document.getElementById(item.getAttribute('aria-labelledby') ?? '')?.textContent?.trim() ?? ''))
}

test('acceptance 3: reorder by drag and drop and by Alt+↑, kept after a reload and in a second context', async ({ page, browser }) => {
  const { email, channel, root } = await curatorWithChannel(page, 'Reorder channel')
  addChildren(root, [1, 2, 3, 4].map((i) => ({ title: `Item ${i}`, kind: 'document' })))
  addChildren(root, [{ title: 'Folder A' }])
  const serverTitles = () => childrenOnServer(root).map(([title]) => title)
  await page.goto(`/channels/${channel.id}`)
  await expect(row(page, 'Item 4')).toBeVisible()

  // Item 3 dragged onto the top edge of item 1: above it.
  await row(page, 'Item 3').dragTo(row(page, 'Item 1'), { targetPosition: { x: 200, y: 4 } })
  await expect.poll(() => listedTitles(page)).toEqual(['Item 3', 'Item 1', 'Item 2', 'Item 4', 'Folder A'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles()).toEqual(['Item 3', 'Item 1', 'Item 2', 'Item 4', 'Folder A'])
  await page.reload()
  await expect.poll(() => listedTitles(page)).toEqual(['Item 3', 'Item 1', 'Item 2', 'Item 4', 'Folder A'])

  // A second context (same curator) sees the order.
  const second = await browser.newContext()
  const other = await second.newPage()
  await signIn(other, email, PASSWORD)
  await expect(other).not.toHaveURL(/accounts\/login/)
  await other.goto(`/channels/${channel.id}`)
  await expect.poll(() => listedTitles(other)).toEqual(['Item 3', 'Item 1', 'Item 2', 'Item 4', 'Folder A'])

  // Alt+↑ from the keyboard: item 4 goes up one place, and the focus stays on it.
  await row(page, 'Item 4').getByRole('link', { name: 'Item 4' }).focus()
  await page.keyboard.press('Alt+ArrowUp')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 3', 'Item 1', 'Item 4', 'Item 2', 'Folder A'])
  await expect(row(page, 'Item 4').getByRole('link', { name: 'Item 4' })).toBeFocused()
  await page.keyboard.press('Alt+ArrowUp')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 3', 'Item 4', 'Item 1', 'Item 2', 'Folder A'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles()).toEqual(['Item 3', 'Item 4', 'Item 1', 'Item 2', 'Folder A'])
  // The second context follows without a reload (the channel's feed).
  await expect.poll(() => listedTitles(other), { timeout: 15_000 }).toEqual(['Item 3', 'Item 4', 'Item 1', 'Item 2', 'Folder A'])

  // Into a folder by dropping on its middle; a folder dropped on itself is refused.
  await row(page, 'Folder A').dragTo(row(page, 'Folder A'), { targetPosition: { x: 200, y: 32 } })
  await row(page, 'Item 2').dragTo(row(page, 'Folder A'), { targetPosition: { x: 200, y: 32 } })
  await expect.poll(() => listedTitles(page)).toEqual(['Item 3', 'Item 4', 'Item 1', 'Folder A'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles()).toEqual(['Item 3', 'Item 4', 'Item 1', 'Folder A'])
  const folderA = idOnServer(root, 'Folder A')
  expect(childrenOnServer(folderA)).toEqual([['Item 2', 'document']])
  await second.close()

  // Onto a folder of the tree.
  await row(page, 'Item 1').dragTo(tree(page).getByRole('treeitem', { name: 'Folder A' }))
  await expect.poll(() => listedTitles(page)).toEqual(['Item 3', 'Item 4', 'Folder A'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(folderA)).toEqual([
    ['Item 2', 'document'],
    ['Item 1', 'document'],
  ])

  // "Move to…" from the row menu; a folder into itself is refused.
  await row(page, 'Folder A').getByRole('button', { name: 'Options for Folder A' }).click()
  await page.getByRole('menuitem', { name: 'Move to…' }).click()
  const picker = page.getByRole('dialog', { name: 'Move 1 item to…' })
  await picker.getByRole('treeitem', { name: 'Folder A' }).click()
  await picker.getByRole('button', { name: 'Move here' }).click()
  await expect(page.getByRole('alert')).toContainText('A folder cannot be moved into itself')
  await row(page, 'Item 3').getByRole('button', { name: 'Options for Item 3' }).click()
  await page.getByRole('menuitem', { name: 'Move to…' }).click()
  await picker.getByRole('treeitem', { name: 'Folder A' }).click()
  await picker.getByRole('button', { name: 'Move here' }).click()
  await expect.poll(() => listedTitles(page)).toEqual(['Item 4', 'Folder A'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(folderA).map(([title]) => title)).toEqual(['Item 2', 'Item 1', 'Item 3'])
})

test('a view-only user sees the same folders read-only', async ({ page, browser }) => {
  const { channel, root } = await curatorWithChannel(page, 'Shared maths')
  const [unit] = addChildren(root, [{ title: 'Unit 1' }])
  const [lesson] = addChildren(unit!, [{ title: 'Lesson', kind: 'document' }])
  const email = uniqueEmail('viewer')
  const viewer = createUser(email, PASSWORD)
  python(`from contentcuration.models import Channel; Channel.objects.get(pk='${channel.id}').viewers.add(${viewer.id})`)
  const context = await browser.newContext()
  const other = await context.newPage()
  await signIn(other, email, PASSWORD)
  await expect(other).not.toHaveURL(/accounts\/login/)
  await other.goto(`/channels/${channel.id}/folders/${unit}/nodes/${lesson}`)
  await expect(row(other, 'Lesson')).toBeVisible()
  await expect(other.getByRole('button', { name: 'Add' })).toHaveCount(0)
  await expect(other.getByRole('textbox', { name: 'Channel name' })).toHaveAttribute('readonly', '')
  await expect(other.getByRole('textbox', { name: 'Title' })).toHaveAttribute('readonly', '')
  await expect(row(other, 'Lesson')).toHaveAttribute('draggable', 'false')
  await row(other, 'Lesson').getByRole('button', { name: 'Options for Lesson' }).click()
  await expect(other.getByRole('menuitem', { name: 'Delete' })).toBeDisabled()
  await expect(other.getByRole('menuitem', { name: 'Move to…' })).toBeDisabled()
  await context.close()
})

test('keyboard only: the tree, a row, the edit panel and a move, without a mouse', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Keys')
  const [unit] = addChildren(root, [{ title: 'Unit 1' }, { title: 'Unit 2' }])
  addChildren(unit!, [
    { title: 'First', kind: 'document' },
    { title: 'Second', kind: 'document' },
  ])
  await page.goto(`/channels/${channel.id}`)
  await expect(row(page, 'Unit 2')).toBeVisible()

  // The tree: its first item takes the focus; arrows move between items, Enter opens.
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 2' })).toBeVisible()
  await tree(page).getByRole('treeitem', { name: 'Keys' }).focus()
  await page.keyboard.press('ArrowLeft')
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 1' })).toBeHidden()
  await page.keyboard.press('ArrowRight')
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 1' })).toBeVisible()
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
  await page.keyboard.press('ArrowDown')
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 1' })).toBeFocused()
  await page.keyboard.press('ArrowDown')
  await expect(tree(page).getByRole('treeitem', { name: 'Unit 2' })).toBeFocused()
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/folders/${unit}$`))
  await expect(row(page, 'Second')).toBeVisible()

  // The list: Tab reaches the rows; Enter on a title opens its edit panel.
  await row(page, 'Second').getByRole('link', { name: 'Second' }).focus()
  await page.keyboard.press('Alt+ArrowUp')
  await expect.poll(() => listedTitles(page)).toEqual(['Second', 'First'])
  await page.keyboard.press('Enter')
  const title = page.getByRole('textbox', { name: 'Title' })
  await expect(title).toBeVisible()
  await title.focus()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type('Second, edited')
  // Tab through the panel's fields (description, labels, tags, language, …) to Done.
  const done = page.getByRole('button', { name: 'Done' })
  for (let i = 0; i < 40 && !(await done.evaluate((el) => el === document.activeElement)); i += 1) await page.keyboard.press('Tab')
  await expect(done).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/folders/${unit}$`))
  await expect(status(page)).toHaveText('All changes saved')
  expect(childrenOnServer(unit!).map(([t]) => t)).toEqual(['Second, edited', 'First'])
})
