/** Issue 12 acceptance 4 and 9 (channel settings, sharing): two curators, two browser
 * contexts, each with its own session. */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { createChannel, createUser, expectAccessible, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'Curator-pass-12'
// A 1×1 red PNG.
const RED_PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
)

async function curator(browser: Browser, firstName: string): Promise<{ page: Page; email: string }> {
  const email = uniqueEmail(firstName.toLowerCase())
  createUser(email, PASSWORD, { firstName, lastName: 'Curator' })
  const page = await (await browser.newContext()).newPage()
  return { page, email }
}

async function signInAs(page: Page, email: string): Promise<void> {
  await signIn(page, email, PASSWORD)
  await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()
}

async function invite(page: Page, email: string, access: 'Can edit' | 'Can view'): Promise<void> {
  await page.getByRole('textbox', { name: 'Email address' }).fill(email)
  if (access === 'Can view') {
    await page.getByRole('combobox', { name: 'Access' }).click({ force: true }) // the chosen value's text covers it
    await page.getByRole('option', { name: 'Can view' }).click()
  }
  await page.getByRole('button', { name: 'Send invitation' }).click()
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible()
  await expect(page.getByRole('region', { name: 'Pending invitations' })).toContainText(email)
}

test('an invited editor accepts from the banner; a removed viewer loses the channel', async ({ browser }) => {
  const owner = await curator(browser, 'Olga')
  const editor = await curator(browser, 'Edith')
  const viewer = await curator(browser, 'Victor')
  const { id } = createChannel(owner.email, 'Shared science', { language: 'en' })

  await signInAs(owner.page, owner.email)
  await owner.page.getByRole('button', { name: 'Settings of Shared science' }).click()
  await owner.page.getByRole('tab', { name: 'Sharing' }).click()
  await expect(owner.page).toHaveURL(new RegExp(`/channels/${id}/settings/sharing$`))
  await invite(owner.page, editor.email, 'Can edit')

  await signInAs(editor.page, editor.email)
  const banner = editor.page.getByRole('region', { name: 'Invitations' })
  await expect(banner).toContainText('Olga Curator invited you to edit "Shared science"')
  await banner.getByRole('button', { name: 'Accept' }).click()
  await expect(editor.page.getByRole('link', { name: 'Shared science' })).toBeVisible()
  await expect(editor.page.getByRole('region', { name: 'Invitations' })).toHaveCount(0)
  await editor.page.reload()
  await expect(editor.page.getByRole('tab', { name: 'My channels', selected: true })).toBeVisible()
  await expect(editor.page.getByRole('link', { name: 'Shared science' })).toBeVisible()

  await owner.page.reload()
  await expect(owner.page.getByRole('region', { name: 'Editors' })).toContainText(editor.email)
  await expect(owner.page.getByRole('region', { name: 'Pending invitations' })).not.toContainText(editor.email)

  await invite(owner.page, viewer.email, 'Can view')
  await signInAs(viewer.page, viewer.email)
  await viewer.page.getByRole('region', { name: 'Invitations' }).getByRole('button', { name: 'Accept' }).click()
  await viewer.page.getByRole('tab', { name: 'View-only' }).click()
  await expect(viewer.page.getByRole('link', { name: 'Shared science' })).toBeVisible()

  await owner.page.reload()
  const viewers = owner.page.getByRole('region', { name: 'Viewers' })
  await expect(viewers).toContainText(viewer.email)
  await viewers.getByRole('button', { name: 'Remove Victor Curator' }).click()
  await expect(viewers).not.toContainText(viewer.email)

  await viewer.page.reload()
  await expect(viewer.page.getByRole('tab', { name: 'View-only', selected: true })).toBeVisible()
  await expect(viewer.page.getByText('No channels are shared with you as view-only.')).toBeVisible()
  await expect(viewer.page.getByRole('link', { name: 'Shared science' })).toHaveCount(0)
})

test('a viewer removes a view-only channel from their list', async ({ browser }) => {
  const owner = await curator(browser, 'Odile')
  const viewer = await curator(browser, 'Vlad')
  const { id } = createChannel(owner.email, 'Lookbook')
  await signInAs(owner.page, owner.email)
  await owner.page.goto(`/channels/${id}/settings/sharing`)
  await invite(owner.page, viewer.email, 'Can view')

  await signInAs(viewer.page, viewer.email)
  await expect(viewer.page.getByRole('region', { name: 'Invitations' })).toContainText('invited you to view "Lookbook"')
  await viewer.page.getByRole('region', { name: 'Invitations' }).getByRole('button', { name: 'Accept' }).click()
  await viewer.page.getByRole('tab', { name: 'View-only' }).click()
  await expect(viewer.page.getByRole('link', { name: 'Lookbook' })).toBeVisible()
  await expectAccessible(viewer.page)
  await viewer.page.getByRole('button', { name: 'Remove Lookbook from my list' }).click()
  await viewer.page.getByRole('dialog').getByRole('button', { name: 'Remove from my list' }).click()
  await expect(viewer.page.getByRole('link', { name: 'Lookbook' })).toHaveCount(0)
  await viewer.page.reload()
  await expect(viewer.page.getByText('No channels are shared with you as view-only.')).toBeVisible()
  await owner.page.reload()
  await expect(owner.page.getByRole('region', { name: 'Viewers' })).not.toContainText(viewer.email)
})

test('a pending invitation can be revoked, and a viewer made an editor', async ({ browser }) => {
  const owner = await curator(browser, 'Omar')
  const viewer = await curator(browser, 'Vani')
  const { id } = createChannel(owner.email, 'Promotions')
  await signInAs(owner.page, owner.email)
  await owner.page.goto(`/channels/${id}/settings/sharing`)
  await invite(owner.page, 'nobody-yet@example.com', 'Can edit')
  await owner.page.getByRole('button', { name: 'Revoke invitation to nobody-yet@example.com' }).click()
  await expect(owner.page.getByRole('region', { name: 'Pending invitations' })).not.toContainText('nobody-yet@example.com')

  await invite(owner.page, viewer.email, 'Can view')
  await signInAs(viewer.page, viewer.email)
  await viewer.page.getByRole('region', { name: 'Invitations' }).getByRole('button', { name: 'Accept' }).click()
  await expect(viewer.page.getByRole('region', { name: 'Invitations' })).toHaveCount(0)
  await owner.page.reload()
  await owner.page.getByRole('button', { name: 'Make Vani Curator an editor' }).click()
  await expect(owner.page.getByRole('region', { name: 'Editors' })).toContainText(viewer.email)
  await viewer.page.reload()
  await expect(viewer.page.getByRole('link', { name: 'Promotions' })).toBeVisible()
})

test('channel details are saved as a change and the settings pages are accessible', async ({ page }) => {
  const email = uniqueEmail()
  createUser(email, PASSWORD)
  const { id } = createChannel(email, 'Old name')
  await signInAs(page, email)
  await page.goto(`/channels/${id}/settings`)
  await expect(page.getByRole('heading', { name: 'Settings of Old name' })).toBeVisible()
  await expectAccessible(page)
  await page.getByRole('textbox', { name: 'Channel name' }).fill('New name')
  await page.getByRole('textbox', { name: 'Author' }).fill('Ada Lovelace')
  await page.getByLabel('Choose a thumbnail image').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: RED_PIXEL })
  await expect(page.getByRole('img', { name: 'Thumbnail of the channel' })).toBeVisible()
  await page.getByRole('button', { name: 'Save details' }).click()
  await expect(page.getByText('Details saved.')).toBeVisible()
  const channel = await (await page.request.get(`/api/channel/${id}`)).json()
  expect(channel.name).toBe('New name')
  expect(channel.content_defaults.author).toBe('Ada Lovelace')
  expect(channel.content_defaults.auto_derive_video_thumbnail).toBe(true) // untouched defaults stay
  expect(channel.thumbnail_encoding.base64).toMatch(/^data:image\/png;base64,/)
  await page.goto('/')
  const card = page.getByRole('article', { name: 'New name' })
  await expect(card.locator('img')).toHaveAttribute('src', channel.thumbnail_encoding.base64)
  await page.goto(`/channels/${id}/settings`)

  await page.getByRole('tab', { name: 'Sharing' }).click()
  await expect(page.getByRole('region', { name: 'Editors' })).toContainText(email)
  await expectAccessible(page)
})
