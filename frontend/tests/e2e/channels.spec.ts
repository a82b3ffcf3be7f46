/** Issue 12 acceptance 2, 3 and 9 (channel list pages): as a curator in Chromium, with the
 * session cookie and CSRF token, against the live server and worker. */
import { expect, test, type Page } from '@playwright/test'
import { createChannel, createUser, expectAccessible, signIn, uniqueEmail } from './helpers'
import { manage } from './server'

const PASSWORD = 'Curator-pass-12'

async function signInAs(page: Page, email: string): Promise<void> {
  await signIn(page, email, PASSWORD)
  await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()
}

test('a new channel opens, is listed under My channels after a reload, and the API has its fields', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  await signInAs(page, email)

  await page.getByRole('button', { name: 'New channel' }).click()
  const dialog = page.getByRole('dialog', { name: 'New channel' })
  await dialog.getByRole('textbox', { name: 'Channel name' }).fill('Maths 5')
  await dialog.getByRole('textbox', { name: 'Description' }).fill('Fractions, decimals and percentages')
  await dialog.getByRole('combobox', { name: 'Language' }).fill('French')
  await page.getByRole('option', { name: 'French', exact: true }).click()
  await dialog.getByRole('button', { name: 'Create' }).click()

  await expect(page).toHaveURL(/\/channels\/[0-9a-f]{32}$/)
  const id = page.url().match(/\/channels\/([0-9a-f]{32})$/)![1]!
  await page.goto('/')
  await page.reload()
  await expect(page.getByRole('tab', { name: 'My channels', selected: true })).toBeVisible()
  const card = page.getByRole('article', { name: 'Maths 5' })
  await expect(card.getByRole('link', { name: 'Maths 5' })).toHaveAttribute('href', `/channels/${id}`)
  await expect(card).toContainText('Fractions, decimals and percentages')
  await expect(card).toContainText('Not published')

  const response = await page.request.get(`/api/channel/${id}`)
  expect(response.status()).toBe(200)
  expect(await response.json()).toMatchObject({
    id,
    name: 'Maths 5',
    description: 'Fractions, decimals and percentages',
    language: 'fr',
    edit: true,
    deleted: false,
  })
})

test('starring puts a channel under Starred; unstarred, it is gone after a reload', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  createChannel(email, 'Starry skies')
  await signInAs(page, email)

  await page.getByRole('button', { name: 'Star Starry skies' }).click()
  await expect(page.getByRole('button', { name: 'Unstar Starry skies' })).toHaveAttribute('aria-pressed', 'true')
  await page.getByRole('tab', { name: 'Starred' }).click()
  await expect(page.getByRole('link', { name: 'Starry skies' })).toBeVisible()
  await page.reload()
  await expect(page.getByRole('tab', { name: 'Starred', selected: true })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Starry skies' })).toBeVisible()

  await page.getByRole('button', { name: 'Unstar Starry skies' }).click()
  await expect(page.getByRole('button', { name: 'Star Starry skies' })).toBeVisible()
  await page.reload()
  await expect(page.getByText('No starred channels')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Starry skies' })).toHaveCount(0)
  expect(await (await page.request.get('/api/bookmark')).json()).toEqual([])
})

test('a card shows language, resource count and a missing-language warning; delete removes it', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  createChannel(email, 'Langless')
  createChannel(email, 'Swahili stories', { language: 'sw' })
  await signInAs(page, email)

  await expect(page.getByRole('article', { name: 'Langless' })).toContainText('No language set')
  const swahili = page.getByRole('article', { name: 'Swahili stories' })
  await expect(swahili).toContainText('No resources')
  await expect(swahili).not.toContainText('No language set')

  await page.getByRole('button', { name: 'Delete Langless' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Delete channel' }).click()
  await expect(page.getByRole('link', { name: 'Langless' })).toHaveCount(0)
  await page.reload()
  await expect(page.getByRole('link', { name: 'Swahili stories' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Langless' })).toHaveCount(0)
})

test('collections: a set of channels gets a name, a description and a token', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  await signInAs(page, email)
  await page.getByRole('tab', { name: 'Collections' }).click()
  await page.getByRole('button', { name: 'New collection' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByRole('textbox', { name: 'Collection name' }).fill('Primary school')
  await dialog.getByRole('textbox', { name: 'Description' }).fill('Everything for grades 1-6')
  await dialog.getByRole('button', { name: 'Save' }).click()
  const set = page.getByRole('article', { name: 'Primary school' })
  await expect(set).toContainText('Everything for grades 1-6')
  await expect(set).toContainText(/Token: [a-z]{5}-?[a-z]{5}/)
  await page.reload()
  await expect(page.getByRole('article', { name: 'Primary school' })).toBeVisible()
})

test('the channel list pages have no serious or critical accessibility violations', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  createChannel(email, 'Accessible atlas', { language: 'en', description: 'Maps' })
  await signInAs(page, email)
  await expect(page.getByRole('link', { name: 'Accessible atlas' })).toBeVisible()
  await expectAccessible(page)
  for (const tab of ['Starred', 'View-only', 'Public', 'Collections']) {
    await page.getByRole('tab', { name: tab }).click()
    await expect(page.getByRole('tab', { name: tab, selected: true })).toBeVisible()
    await page.waitForLoadState('networkidle')
    await expectAccessible(page)
  }
  await page.getByRole('tab', { name: 'My channels' }).click()
  await page.getByRole('button', { name: 'New channel' }).click()
  await expect(page.getByRole('dialog', { name: 'New channel' })).toBeVisible()
  await expectAccessible(page)
})

test('the public catalog searches by keyword and filters by language', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  const physics = createChannel(email, 'Open physics lab', { language: 'en', description: 'Forces and motion' })
  const poetry = createChannel(email, 'Open poetry corner', { language: 'fr', description: 'Poèmes' })
  manage(['shell', '-c', `from contentcuration.models import Channel; Channel.objects.filter(pk__in=['${physics.id}', '${poetry.id}']).update(public=True)`])
  await signInAs(page, email)
  await page.getByRole('tab', { name: 'Public' }).click()
  const search = page.getByRole('search')
  await expect(page.getByRole('link', { name: 'Open physics lab' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Open poetry corner' })).toBeVisible()

  await search.getByRole('searchbox', { name: 'Search public channels' }).fill('physics')
  await search.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page.getByRole('link', { name: 'Open poetry corner' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Open physics lab' })).toBeVisible()

  await search.getByRole('searchbox', { name: 'Search public channels' }).fill('')
  await search.getByRole('combobox', { name: 'Language' }).fill('French')
  await page.getByRole('option', { name: 'French', exact: true }).click()
  await page.keyboard.press('Escape')
  await search.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page.getByRole('link', { name: 'Open physics lab' })).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Open poetry corner' })).toBeVisible()
  await expectAccessible(page)
})
