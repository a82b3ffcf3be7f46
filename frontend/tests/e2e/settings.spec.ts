/** User settings: full name, password, API token, storage (issue 12 item 7, acceptance 9). */
import { expect, test } from '@playwright/test'
import { createUser, expectAccessible, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'Curator-pass-12'

test('a curator renames themself, copies the API token, sees storage and changes the password', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const email = uniqueEmail()
  createUser(email, PASSWORD, { firstName: 'Grace', lastName: 'Hopper' })
  await signIn(page, email, PASSWORD)
  await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()
  await page.getByRole('button', { name: 'Account' }).click()
  await page.getByRole('link', { name: 'Settings' }).click()
  await expect(page).toHaveURL(/\/settings/)
  await expect(page.getByText(/0 B of 500\.0 MB used/)).toBeVisible()
  await expectAccessible(page)

  await page.getByRole('textbox', { name: 'First name' }).fill('Amazing Grace')
  await page.getByRole('button', { name: 'Save name' }).click()
  await expect(page.getByText('Your name is saved.')).toBeVisible()
  await page.reload()
  await expect(page.getByRole('textbox', { name: 'First name' })).toHaveValue('Amazing Grace')

  await page.getByRole('button', { name: 'Show my API token' }).click()
  const token = await page.getByRole('textbox', { name: 'API token' }).inputValue()
  expect(token).toMatch(/^[0-9a-f]{40}$/)
  await page.getByRole('button', { name: 'Copy the API token' }).click()
  await expect(page.getByText('Copied to the clipboard.')).toBeVisible()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token)
  const viaToken = await page.request.get('/api/user/storage', { headers: { Authorization: `Token ${token}` } })
  expect(viaToken.status()).toBe(200)

  await page.getByRole('textbox', { name: 'Current password' }).fill(PASSWORD)
  await page.getByRole('textbox', { name: 'New password', exact: true }).fill('Brand-new-pass-34')
  await page.getByRole('textbox', { name: 'Repeat the new password' }).fill('Brand-new-pass-34')
  await page.getByRole('button', { name: 'Change password' }).click()
  await expect(page.getByText('Your password is changed.')).toBeVisible()
  await expectAccessible(page)

  const fresh = await (await page.context().browser()!.newContext()).newPage()
  await signIn(fresh, email, 'Brand-new-pass-34')
  await expect(fresh.getByRole('tab', { name: 'My channels' })).toBeVisible()
})
