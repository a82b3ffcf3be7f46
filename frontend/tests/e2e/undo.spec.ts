/**
 * Undo / redo in the channel editor (issue 13, section 6): an edit, a move and a delete are
 * each undone by Ctrl+Z as an inverse change sent to the server (a fresh context shows the
 * original state), redone by Ctrl+Shift+Z; Ctrl+Z in a text field is the field's own; Sort A–Z
 * is one step. Real server and worker; data made on the server, checked there.
 */
import { expect, test, type Page } from '@playwright/test'
import { addChildren, createChannel, createUser, python, rootOf, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'a-long-password-1'

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const status = (page: Page) => page.getByRole('status')

async function listedTitles(page: Page): Promise<string[]> {
  return contents(page)
    .getByRole('listitem')
    .evaluateAll((items) => items.map((item) => document.getElementById(item.getAttribute('aria-labelledby') ?? '')?.textContent?.trim() ?? ''))
}

/** The server's titles under `parentId`, in tree order. */
function serverTitles(parentId: string): string[] {
  return JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode; ` +
        `print(json.dumps([n.title for n in ContentNode.objects.filter(parent_id='${parentId}').order_by('lft')]))`,
    ),
  ) as string[]
}

async function curator(page: Page, name: string) {
  const email = uniqueEmail('undo')
  createUser(email, PASSWORD)
  const channel = createChannel(email, name)
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { email, channel, root: rootOf(channel.id) }
}

test('an edit, a move and a delete are undone one by one with Ctrl+Z (a fresh context shows the original), and redone with Ctrl+Shift+Z', async ({
  page,
  browser,
}) => {
  const { email, channel, root } = await curator(page, 'Undo channel')
  const original = ['Item 1', 'Item 2', 'Item 3', 'Item 4']
  addChildren(root, original.map((title) => ({ title, kind: 'document' })))
  await page.goto(`/channels/${channel.id}`)
  await expect(row(page, 'Item 4')).toBeVisible()
  const undoButton = page.getByRole('button', { name: 'Undo', exact: true })
  const redoButton = page.getByRole('button', { name: 'Redo', exact: true })
  await expect(undoButton).toBeDisabled()

  // A move: Alt+↑ on item 4.
  await row(page, 'Item 4').getByRole('link', { name: 'Item 4' }).focus()
  await page.keyboard.press('Alt+ArrowUp')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Item 2', 'Item 4', 'Item 3'])
  await expect(undoButton).toBeEnabled()

  // An edit in the panel. Ctrl+Z in its text field is the field's own: the move stays.
  await row(page, 'Item 2').getByRole('button', { name: 'Options for Item 2' }).click()
  await page.getByRole('menuitem', { name: 'Edit' }).click()
  const title = page.getByRole('textbox', { name: 'Title' })
  await expect(title).toHaveValue('Item 2')
  await title.focus()
  await page.keyboard.press('ControlOrMeta+z')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Item 2', 'Item 4', 'Item 3'])
  await title.fill('Renamed')
  await page.getByRole('button', { name: 'Done' }).click()
  await expect(row(page, 'Renamed')).toBeVisible()

  // A delete from the row menu.
  await row(page, 'Item 1').getByRole('button', { name: 'Options for Item 1' }).click()
  await page.getByRole('menuitem', { name: 'Delete' }).click()
  await expect.poll(() => listedTitles(page)).toEqual(['Renamed', 'Item 4', 'Item 3'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(['Renamed', 'Item 4', 'Item 3'])

  // Ctrl+Z three times: the delete, the edit, the move, newest first.
  await page.locator('body').focus()
  await page.keyboard.press('ControlOrMeta+z')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Renamed', 'Item 4', 'Item 3'])
  await page.keyboard.press('ControlOrMeta+z')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Item 2', 'Item 4', 'Item 3'])
  await page.keyboard.press('ControlOrMeta+z')
  await expect.poll(() => listedTitles(page)).toEqual(original)
  await expect(undoButton).toBeDisabled()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(original)

  // A fresh context (a reload elsewhere) shows the original state.
  const fresh = await browser.newContext()
  const other = await fresh.newPage()
  await signIn(other, email, PASSWORD)
  await expect(other).not.toHaveURL(/accounts\/login/)
  await other.goto(`/channels/${channel.id}`)
  await expect(row(other, 'Item 4')).toBeVisible()
  await expect.poll(() => listedTitles(other)).toEqual(original)
  await fresh.close()

  // Ctrl+Shift+Z redoes them in order; the Redo button does the last.
  await page.keyboard.press('ControlOrMeta+Shift+z')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Item 2', 'Item 4', 'Item 3'])
  await page.keyboard.press('ControlOrMeta+Shift+z')
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Renamed', 'Item 4', 'Item 3'])
  await redoButton.click()
  await expect.poll(() => listedTitles(page)).toEqual(['Renamed', 'Item 4', 'Item 3'])
  await expect(redoButton).toBeDisabled()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(['Renamed', 'Item 4', 'Item 3'])
  // The Undo button undoes too: the delete again.
  await undoButton.click()
  await expect.poll(() => listedTitles(page)).toEqual(['Item 1', 'Renamed', 'Item 4', 'Item 3'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(['Item 1', 'Renamed', 'Item 4', 'Item 3'])
})

test('Sort A–Z orders the folder on the server in one step; a new folder is undone and redone', async ({ page }) => {
  const { channel, root } = await curator(page, 'Sorting')
  addChildren(root, ['banana', 'Cherry', 'apple', 'Item 10', 'Item 2'].map((title) => ({ title, kind: 'document' })))
  await page.goto(`/channels/${channel.id}`)
  await expect(row(page, 'Item 2')).toBeVisible()
  await page.getByRole('button', { name: 'Sort A–Z' }).click()
  const sorted = ['apple', 'banana', 'Cherry', 'Item 2', 'Item 10']
  await expect.poll(() => listedTitles(page)).toEqual(sorted)
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(sorted)
  // One Ctrl+Z puts the old order back (on the server too); Ctrl+Shift+Z sorts again.
  await page.locator('body').focus()
  await page.keyboard.press('ControlOrMeta+z')
  await expect.poll(() => listedTitles(page)).toEqual(['banana', 'Cherry', 'apple', 'Item 10', 'Item 2'])
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(['banana', 'Cherry', 'apple', 'Item 10', 'Item 2'])
  await page.keyboard.press('ControlOrMeta+Shift+z')
  await expect.poll(() => listedTitles(page)).toEqual(sorted)
  await expect(status(page)).toHaveText('All changes saved')
  await page.reload()
  await expect.poll(() => listedTitles(page)).toEqual(sorted)

  // A new folder; undo deletes it on the server, redo creates it again.
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menuitem', { name: 'New folder' }).click()
  const dialog = page.getByRole('dialog', { name: 'New folder' })
  await dialog.getByRole('textbox', { name: 'Title' }).fill('Unit 1')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(row(page, 'Unit 1')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  await page.locator('body').focus()
  await page.keyboard.press('ControlOrMeta+z')
  await expect(row(page, 'Unit 1')).toBeHidden()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual(sorted)
  await page.keyboard.press('ControlOrMeta+Shift+z')
  await expect(row(page, 'Unit 1')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(root)).toEqual([...sorted, 'Unit 1'])
})
