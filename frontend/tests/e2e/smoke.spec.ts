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

test('the hashed files the shell names are cached as immutable', async ({ page, request }) => {
  const assets: string[] = []
  page.on('response', (response) => {
    if (response.url().includes('/static/app/assets/')) assets.push(response.url())
  })
  await page.goto('/accounts/login/')
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
  expect(assets.length).toBeGreaterThan(0)
  for (const url of assets) {
    const cacheControl = (await request.get(url)).headers()['cache-control'] ?? ''
    expect(cacheControl).toContain('max-age=315360000')
    expect(cacheControl).toContain('immutable')
  }
})
