import { expect, test } from '@playwright/test'

test('a visitor opening the app is sent to sign in', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/accounts\/login\/?$/)
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await expect(page.getByRole('textbox', { name: 'Email' })).toBeVisible()
  await expect(page.getByRole('textbox', { name: 'Password' })).toBeVisible()
})

test('a deep link is served the app on reload', async ({ page }) => {
  const response = await page.goto('/settings/account')
  expect(response?.status()).toBe(200)
  expect(response?.headers()['cache-control']).toContain('no-cache')
  await expect(page).toHaveURL(/\/accounts\/login\/?\?next=/)
})
