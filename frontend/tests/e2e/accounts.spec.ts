import { expect, test } from '@playwright/test'
import { createUser, expectAccessible, linkIn, signIn, uniqueEmail, waitForMail } from './helpers'

const PASSWORD = 'Curator-passphrase-1'

test('sign up, activate from the e-mail, sign in, land on My channels, sign out', async ({ page }) => {
  const email = uniqueEmail('signup')
  await page.goto('/accounts/login/')
  await page.getByRole('link', { name: 'Create an account' }).click()
  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible()
  await page.getByRole('textbox', { name: 'First name' }).fill('Ada')
  await page.getByRole('textbox', { name: 'Last name' }).fill('Lovelace')
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD)
  await page.getByRole('textbox', { name: 'Repeat the password' }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByText('You must agree to the terms of service')).toBeVisible()
  await page.getByRole('checkbox', { name: 'I agree to the terms of service' }).check()
  await page.getByRole('button', { name: 'Create account' }).click()
  await expect(page.getByRole('alert').filter({ hasText: `We sent an activation link to ${email}` })).toBeVisible()

  // Not active yet: signing in says so.
  await signIn(page, email, PASSWORD)
  await expect(page.getByRole('alert').filter({ hasText: 'not activated yet' })).toBeVisible()

  const mail = await waitForMail(email, 'Activate')
  await page.goto(linkIn(mail))
  await expect(page).toHaveURL(/\/accounts\/login\/\?activation=done/)
  await expect(page.getByText('Your account is active')).toBeVisible()
  await expect(page.getByRole('textbox', { name: 'Email' })).toHaveValue(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()

  await expect(page).toHaveURL(/\/$/)
  await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()
  await expect(page.getByRole('status')).toContainText('All changes saved')

  await page.getByRole('button', { name: 'Account' }).click()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/accounts\/login\/$/)
  await page.goto('/')
  await expect(page).toHaveURL(/\/accounts\/login\/?$/)
})

test('a wrong password is refused with "Email or password is incorrect"', async ({ page }) => {
  const email = uniqueEmail('wrong')
  createUser(email, PASSWORD)
  await signIn(page, email, 'not-the-password')
  await expect(page.getByRole('alert').filter({ hasText: 'Email or password' })).toHaveText('Email or password is incorrect')
  await expect(page).toHaveURL(/\/accounts\/login\/$/)
  await signIn(page, uniqueEmail('nobody'), PASSWORD)
  await expect(page.getByRole('alert').filter({ hasText: 'Email or password' })).toHaveText('Email or password is incorrect')
})

test('signing in returns to the deep link that asked for it', async ({ page }) => {
  const email = uniqueEmail('deeplink')
  createUser(email, PASSWORD)
  await page.goto('/settings/account')
  await expect(page).toHaveURL(/\/accounts\/login\/?\?next=/)
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page).toHaveURL(/\/settings\/account$/)
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible()
})

test('an inactive account gets a new activation link on request', async ({ page }) => {
  const email = uniqueEmail('resend')
  createUser(email, PASSWORD, { inactive: true })
  await signIn(page, email, PASSWORD)
  await page.getByRole('link', { name: 'Resend the activation link' }).click()
  await expect(page.getByRole('textbox', { name: 'Email' })).toHaveValue(email)
  await page.getByRole('button', { name: 'Send the link' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'we sent it a new activation link' })).toBeVisible()
  await page.goto(linkIn(await waitForMail(email, 'Activate')))
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()
})

test('an expired or forged activation link offers a new one', async ({ page }) => {
  await page.goto('/activate/forged-key/')
  await expect(page).toHaveURL(/\/accounts\/request_activation_link\/\?activation=failed/)
  await expect(page.getByText('This activation link is invalid or expired')).toBeVisible()
})

test('forgot password: the e-mailed link sets a new password that signs in', async ({ page }) => {
  const email = uniqueEmail('reset')
  createUser(email, PASSWORD)
  await page.goto('/accounts/login/')
  await page.getByRole('link', { name: 'Forgot your password?' }).click()
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('button', { name: 'Send the reset link' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'we sent it a link' })).toBeVisible()

  const link = linkIn(await waitForMail(email, 'Reset'))
  await page.goto(link)
  await page.getByRole('textbox', { name: 'New password', exact: true }).fill('Another-passphrase-2')
  await page.getByRole('textbox', { name: 'Repeat the new password' }).fill('Another-passphrase-2')
  await page.getByRole('button', { name: 'Set the password' }).click()
  await expect(page.getByText('Your password is changed')).toBeVisible()
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill('Another-passphrase-2')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()

  // The link is used up.
  await page.goto(link)
  await page.getByRole('textbox', { name: 'New password', exact: true }).fill('Third-passphrase-3')
  await page.getByRole('textbox', { name: 'Repeat the new password' }).fill('Third-passphrase-3')
  await page.getByRole('button', { name: 'Set the password' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'invalid or was used already' })).toBeVisible()
})

test.describe('accessibility (axe-core: no serious or critical violations)', () => {
  for (const path of [
    '/accounts/login/',
    '/accounts/register/',
    '/accounts/request_activation_link/',
    '/accounts/password/reset/',
    '/accounts/password/reset/confirm/MQ/some-token/',
  ]) {
    test(path, async ({ page }) => {
      await page.goto(path)
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
      await expectAccessible(page)
    })
  }

  test('sign-in errors and the signed-in shell', async ({ page }) => {
    const email = uniqueEmail('axe')
    createUser(email, PASSWORD)
    await signIn(page, email, 'wrong')
    await expect(page.getByRole('alert').filter({ hasText: 'Email or password' })).toBeVisible()
    await expectAccessible(page)
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.getByRole('tab', { name: 'My channels' })).toBeVisible()
    await expectAccessible(page)
    await page.getByRole('button', { name: 'Account' }).click()
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()
    await expectAccessible(page)
  })
})
