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

  // As the server has it after a reload.
  await page.reload()
  await expect(rows(page, 'Unit 1')).toHaveCount(3)
  await expect(contents(page).locator('[data-copying]')).toHaveCount(0)
})
