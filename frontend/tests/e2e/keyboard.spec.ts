/**
 * The channel editor from the keyboard alone (issue 13, acceptance 11): no mouse click and no
 * programmatic focus; the keys a curator would press reach the tree, the list, the row menu,
 * the edit panel, "Move to…" and the trash. axe-core finds no serious or critical violation
 * on the editor, the edit panel and the trash. Every write is checked on the server.
 */
import { expect, test, type Locator, type Page } from '@playwright/test'
import { addChildren, createChannel, createUser, expectAccessible, python, rootOf, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'a-long-password-1'

const tree = (page: Page) => page.getByRole('tree', { name: 'Folders' })
const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const status = (page: Page) => page.getByRole('status')

/** Press `key` (Tab by default) until `target` has the focus; fails after `max` presses. */
async function pressUntilFocused(page: Page, target: Locator, key = 'Tab', max = 60): Promise<void> {
  for (let i = 0; i < max; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement, undefined, { timeout: 2_000 }).catch(() => false)) return
    await page.keyboard.press(key)
  }
  await expect(target).toBeFocused()
}

const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))

function serverTitles(parentId: string): string[] {
  return JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode; ` +
        `print(json.dumps([n.title for n in ContentNode.objects.filter(parent_id='${parentId}').order_by('lft')]))`,
    ),
  ) as string[]
}

test('acceptance 11: keyboard only: tree, list, edit panel, reorder, Move to… and the trash; axe finds nothing serious', async ({ page }) => {
  test.setTimeout(150_000)
  const email = uniqueEmail('keys')
  createUser(email, PASSWORD)
  const channel = createChannel(email, 'Keyboard maths')
  const root = rootOf(channel.id)
  const [unit1, unit2] = addChildren(root, [{ title: 'Unit 1' }, { title: 'Unit 2' }])
  addChildren(unit1!, [
    { title: 'First', kind: 'document' },
    { title: 'Second', kind: 'document' },
    { title: 'Third', kind: 'document' },
  ])
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}`)
  await expect(row(page, 'Unit 2')).toBeVisible()
  await expectAccessible(page)

  // Tab into the tree, ↓ to "Unit 1", Enter opens it.
  const unit1Item = tree(page).getByRole('treeitem', { name: 'Unit 1' })
  await pressUntilFocused(page, tree(page).getByRole('treeitem', { name: 'Keyboard maths' }))
  await settled(page)
  await page.keyboard.press('ArrowDown')
  await expect(unit1Item).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/folders/${unit1}$`))
  await expect(row(page, 'Third')).toBeVisible()

  // Tab on into the list; Alt+↓ moves "First" down one place (the focus stays on it).
  const first = row(page, 'First').getByRole('link', { name: 'First' })
  await pressUntilFocused(page, first)
  await page.keyboard.press('Alt+ArrowDown')
  await expect(first).toBeFocused()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(unit1!)).toEqual(['Second', 'First', 'Third'])

  // Enter on a title opens its edit panel; Tab reaches the title; Done closes the panel.
  const third = row(page, 'Third').getByRole('link', { name: 'Third' })
  await pressUntilFocused(page, third)
  await page.keyboard.press('Enter')
  const title = page.getByRole('textbox', { name: 'Title' })
  await expect(title).toHaveValue('Third')
  await settled(page)
  await expectAccessible(page)
  await pressUntilFocused(page, title)
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type('Third, edited')
  await expect(row(page, 'Third, edited')).toBeVisible()
  await pressUntilFocused(page, page.getByRole('button', { name: 'Done' }))
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`/folders/${unit1}$`))
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(unit1!)).toEqual(['Second', 'First', 'Third, edited'])

  // The row menu → "Move to…" → the picker's tree → "Unit 2" → "Move here", all by keys.
  await pressUntilFocused(page, row(page, 'Second').getByRole('button', { name: 'Options for Second' }), 'Shift+Tab')
  await page.keyboard.press('Enter')
  const moveItem = page.getByRole('menuitem', { name: 'Move to…' })
  await expect(moveItem).toBeVisible()
  await pressUntilFocused(page, moveItem, 'ArrowDown', 10)
  await page.keyboard.press('Enter')
  const picker = page.getByRole('dialog', { name: 'Move 1 item to…' })
  await expect(picker).toBeVisible()
  await settled(page)
  await pressUntilFocused(page, picker.getByRole('treeitem', { name: 'Keyboard maths' }))
  await pressUntilFocused(page, picker.getByRole('treeitem', { name: 'Unit 2' }), 'ArrowDown', 10)
  await page.keyboard.press('Enter')
  await expect(picker).toContainText('Chosen: Unit 2')
  await pressUntilFocused(page, picker.getByRole('button', { name: 'Move here' }))
  await page.keyboard.press('Enter')
  await expect(picker).toBeHidden()
  await expect(row(page, 'Second')).toBeHidden()
  // The focus stays in the list, on the row now in the moved one's place.
  await expect(row(page, 'First').getByRole('link', { name: 'First' })).toBeFocused()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(unit2!)).toEqual(['Second'])
  expect(serverTitles(unit1!)).toEqual(['First', 'Third, edited'])

  // Delete "First" from its row menu, then the channel menu → Trash.
  await pressUntilFocused(page, row(page, 'First').getByRole('button', { name: 'Options for First' }))
  await page.keyboard.press('Enter')
  const deleteItem = page.getByRole('menuitem', { name: 'Delete' })
  await expect(deleteItem).toBeVisible()
  await pressUntilFocused(page, deleteItem, 'ArrowDown', 10)
  await page.keyboard.press('Enter')
  await expect(row(page, 'First')).toBeHidden()
  await expect(row(page, 'Third, edited').getByRole('link', { name: 'Third, edited' })).toBeFocused()
  await expect(status(page)).toHaveText('All changes saved')
  await pressUntilFocused(page, page.getByRole('button', { name: 'Channel menu' }), 'Shift+Tab')
  await page.keyboard.press('Enter')
  const trashLink = page.getByRole('link', { name: 'Trash', exact: true })
  await expect(trashLink).toBeVisible()
  await pressUntilFocused(page, trashLink, 'ArrowDown', 10)
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { name: 'Trash', exact: true })).toBeVisible()
  const trash = page.getByRole('list', { name: 'Items in the trash' })
  await expect(trash.getByRole('listitem')).toHaveCount(1)
  await settled(page)
  await expectAccessible(page)
  // Restore it into "Unit 2" by keys: its checkbox (Space), "Restore…", the picker.
  await pressUntilFocused(page, trash.getByRole('checkbox', { name: 'Select First' }))
  await page.keyboard.press('Space')
  await pressUntilFocused(page, page.getByRole('button', { name: 'Restore…' }), 'Shift+Tab')
  await page.keyboard.press('Enter')
  const restore = page.getByRole('dialog', { name: 'Restore 1 item to…' })
  await expect(restore).toBeVisible()
  await settled(page)
  await pressUntilFocused(page, restore.getByRole('treeitem', { name: 'Keyboard maths' }))
  await pressUntilFocused(page, restore.getByRole('treeitem', { name: 'Unit 2' }), 'ArrowDown', 10)
  await page.keyboard.press('Enter')
  await pressUntilFocused(page, restore.getByRole('button', { name: 'Restore here' }))
  await page.keyboard.press('Enter')
  await expect(page.getByText('The trash is empty.')).toBeVisible()
  await expect(status(page)).toHaveText('All changes saved')
  expect(serverTitles(unit2!)).toEqual(['Second', 'First'])
})
