/**
 * Live collaboration in the channel editor (issue 13, acceptance 10): a second editor, in
 * their own browser and through the app's screens, renames a resource and adds a folder
 * while the first has the folder open and is half-way through typing that resource's
 * description. Both changes reach the first within 10 s without a reload; the first's typing
 * is never overwritten, and the server (read through the REST API) ends with both editors'
 * work. (editor.spec.ts covers a collaborator writing through /api/sync/ directly.)
 */
import { expect, test, type Page } from '@playwright/test'
import { addChildren, createChannel, createUser, python, rootOf, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'a-long-password-1'

const tree = (page: Page) => page.getByRole('tree', { name: 'Folders' })
const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const status = (page: Page) => page.getByRole('status')

interface ApiNode {
  id: string
  title: string
  description: string
  kind: string
  parent: string
}

/** The folder's children as the REST API gives them to `page`'s user. */
async function childrenViaApi(page: Page, parent: string): Promise<ApiNode[]> {
  const response = await page.request.get(`/api/contentnode?parent=${parent}`)
  expect(response.ok()).toBe(true)
  const body = (await response.json()) as ApiNode[] | { results: ApiNode[] }
  return Array.isArray(body) ? body : body.results
}

test('acceptance 10: a second editor renames a resource and adds a folder; both appear within 10 s and the first’s half-typed description stays', async ({
  page,
  browser,
}) => {
  const email = uniqueEmail('first')
  createUser(email, PASSWORD)
  const channel = createChannel(email, 'Together')
  const root = rootOf(channel.id)
  const [lesson] = addChildren(root, [
    { title: 'Lesson', kind: 'document', description: 'Old description' },
    { title: 'Other', kind: 'document' },
  ])
  const secondEmail = uniqueEmail('second')
  const second = createUser(secondEmail, PASSWORD)
  python(`from contentcuration.models import Channel; Channel.objects.get(pk='${channel.id}').editors.add(${second.id})`)

  // The first editor has the folder open and types half a description of "Lesson".
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}/folders/${root}/nodes/${lesson}`)
  const description = page.getByRole('textbox', { name: 'Description' })
  await expect(description).toHaveValue('Old description')
  await description.fill('')
  await description.pressSequentially('Half typed', { delay: 30 })

  // The second editor, in their own browser: renames "Lesson" (and writes their own
  // description), then adds a folder, all through the app.
  const context = await browser.newContext()
  const other = await context.newPage()
  await signIn(other, secondEmail, PASSWORD)
  await expect(other).not.toHaveURL(/accounts\/login/)
  await other.goto(`/channels/${channel.id}`)
  await row(other, 'Lesson').getByRole('button', { name: 'Options for Lesson' }).click()
  await other.getByRole('menuitem', { name: 'Edit' }).click()
  await other.getByRole('textbox', { name: 'Title' }).fill('Lesson, renamed')
  await other.getByRole('textbox', { name: 'Description' }).fill('Their description')
  await other.getByRole('button', { name: 'Done' }).click()
  await other.getByRole('button', { name: 'Add' }).click()
  await other.getByRole('menuitem', { name: 'New folder' }).click()
  const dialog = other.getByRole('dialog', { name: 'New folder' })
  await dialog.getByRole('textbox', { name: 'Title' }).fill('Their folder')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(status(other)).toHaveText('All changes saved')
  const changed = Date.now()

  // The first sees both within 10 s, without a reload; the field being typed in keeps its text.
  await expect(row(page, 'Lesson, renamed')).toBeVisible({ timeout: 10_000 })
  await expect(row(page, 'Their folder')).toBeVisible({ timeout: 10_000 })
  await expect(tree(page).getByRole('treeitem', { name: 'Their folder' })).toBeVisible({ timeout: 10_000 })
  expect(Date.now() - changed).toBeLessThan(10_000)
  await expect(page.getByRole('textbox', { name: 'Title' })).toHaveValue('Lesson, renamed')
  await expect(description).toHaveValue('Half typed')
  await expect(description).toBeFocused()

  // The first finishes typing: their text is the last write, on the server and for the second.
  await description.pressSequentially(' and finished', { delay: 30 })
  await expect(description).toHaveValue('Half typed and finished')
  await page.getByRole('button', { name: 'Done' }).click()
  await expect(status(page)).toHaveText('All changes saved')
  const nodes = await childrenViaApi(page, root)
  expect(nodes.map((n) => [n.title, n.kind])).toEqual([
    ['Lesson, renamed', 'document'],
    ['Other', 'document'],
    ['Their folder', 'topic'],
  ])
  expect(nodes.find((n) => n.id === lesson)?.description).toBe('Half typed and finished')
  await expect(row(other, 'Lesson, renamed')).toContainText('Half typed and finished', { timeout: 10_000 })
  await context.close()
})
