/**
 * The md5 Web Worker in Chromium, on a disk-backed 1 GB file from the chooser: the row shows
 * the hashing progress, and Pause while hashing stops the worker reading (no more progress,
 * no digest). The file is sparse (no disk used); the curator's quota is raised to hold it.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { createChannel, createUser, python, signIn, uniqueEmail } from './helpers'

const GB = 1024 * 1024 * 1024
type Seen = { id: string; hashed?: number; md5?: string; error?: string }

/** What the app's md5 worker has answered so far (recorded by the init script below). */
const answers = (page: Page) => page.evaluate(() => (window as unknown as { md5Answers: Seen[] }).md5Answers.slice())

let scratch = ''
test.afterEach(() => scratch && rmSync(scratch, { recursive: true, force: true }))

test('Pause while hashing a 1 GB file stops the md5 worker; the row showed its progress', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: unknown[] = []
    ;(window as unknown as { md5Answers: unknown[] }).md5Answers = seen
    window.Worker = class extends window.Worker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args)
        this.addEventListener('message', (event) => seen.push(event.data))
      }
    }
  })
  const email = uniqueEmail('hashing')
  createUser(email, 'a-long-password-1')
  python(`from contentcuration.models import User; User.objects.filter(email='${email}').update(disk_space=${4 * GB}); print('ok')`)
  const channel = createChannel(email, 'Hashing')
  await signIn(page, email, 'a-long-password-1')
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}/`)
  await expect(page.getByRole('textbox', { name: 'Channel name' })).toHaveValue('Hashing')

  scratch = mkdtempSync(path.join(os.tmpdir(), 'e2e-hashing-'))
  const big = path.join(scratch, 'Big lecture.pdf')
  const fd = openSync(big, 'w')
  ftruncateSync(fd, GB)
  closeSync(fd)
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menuitem', { name: 'Upload files' }).click()
  await (await chooser).setFiles(big)

  const row = page.getByRole('dialog', { name: 'Upload files' }).getByRole('listitem', { name: 'Big lecture.pdf', exact: true })
  await expect(row).toContainText(/Checking the file… [1-9]\d? %/) // a slice hashed, not all of them
  await row.getByRole('button', { name: 'Pause Big lecture.pdf' }).click()
  await expect(row).toContainText('Paused')
  await page.waitForTimeout(500) // answers already on their way when the worker heard the cancel
  const atPause = await answers(page)
  await page.waitForTimeout(2000) // the rest of 1 GB would take ~3–10 s here, were it still read
  const later = await answers(page)
  expect(later).toEqual(atPause)
  expect(later.some((answer) => answer.md5 || answer.error)).toBe(false)
  expect(Math.max(...later.map((answer) => answer.hashed ?? 0))).toBeLessThan(GB)
  expect(python(`from contentcuration.models import File; print(File.objects.filter(original_filename='Big lecture.pdf').count())`)).toBe('0')
})
