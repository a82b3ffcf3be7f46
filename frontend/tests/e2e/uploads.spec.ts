/**
 * The upload queue (issue 14, items 1 and 2): Add → Upload files, the md5 in a Web Worker,
 * refusals before any byte, per-file progress, and one resource per file with the file
 * attached. Real server and worker; the PDF is a tiny valid one made here.
 */
import { createHash } from 'node:crypto'
import { expect, test, type Page } from '@playwright/test'
import { createChannel, createUser, expectAccessible, python, rootOf, signIn, uniqueEmail } from './helpers'
import { pdfFile } from './pdf'

const PASSWORD = 'a-long-password-1'

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const dialog = (page: Page) => page.getByRole('dialog', { name: 'Upload files' })
const uploadRow = (page: Page, name: string) => dialog(page).getByRole('listitem', { name, exact: true })

test('a PDF becomes a resource titled from its name; a .docx is refused before any byte', async ({ page }) => {
  const email = uniqueEmail('uploader')
  createUser(email, PASSWORD)
  const channel = createChannel(email, 'Fractions')
  const root = rootOf(channel.id)
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}/`)
  await expect(page.getByRole('textbox', { name: 'Channel name' })).toHaveValue('Fractions')

  const puts: string[] = []
  page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push(request.url())
  })

  const pdf = pdfFile()
  const chooserOpened = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menuitem', { name: 'Upload files' }).click()
  const chooser = await chooserOpened
  expect(chooser.isMultiple()).toBe(true)
  await chooser.setFiles([
    { name: 'Halves_worksheet.pdf', mimeType: 'application/pdf', buffer: pdf },
    { name: 'notes.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from('PK\x03\x04 a word document') },
  ])

  await expect(uploadRow(page, 'Halves_worksheet.pdf')).toContainText('100 %')
  await expect(uploadRow(page, 'Halves_worksheet.pdf')).toContainText('Added')
  await expect(uploadRow(page, 'notes.docx')).toContainText(/Refused: 'docx' files are not supported/)
  await expect(uploadRow(page, 'notes.docx')).toContainText('0 %')
  await expectAccessible(page)
  expect(puts).toHaveLength(1) // the refused file sent nothing

  await dialog(page).getByRole('button', { name: 'Close' }).click()
  await expect(contents(page).getByRole('listitem', { name: 'Halves worksheet', exact: true })).toBeVisible()

  // On the server: a document node with the PDF attached, the bytes matching the md5.
  const md5 = createHash('md5').update(pdf).digest('hex')
  await expect
    .poll(() =>
      python(
        `from contentcuration.models import ContentNode, File; n = ContentNode.objects.filter(parent_id='${root}').first(); ` +
          `f = n and File.objects.filter(contentnode=n).first(); print(n and n.title, n and n.kind_id, f and f.checksum, f and f.file_format_id)`,
      ),
    )
    .toBe(`Halves worksheet document ${md5} pdf`)
})

test('a dropped connection: Retry resumes from the bytes the server holds', async ({ page }) => {
  const email = uniqueEmail('resumer')
  createUser(email, PASSWORD)
  const channel = createChannel(email, 'Resumes')
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}/`)
  await expect(page.getByRole('textbox', { name: 'Channel name' })).toHaveValue('Resumes')

  const pdf = pdfFile({ padding: 300_000 })
  const half = 150_000
  const ranges: (string | null)[] = []
  await page.route('**/api/file/upload/**', async (route) => {
    const request = route.request()
    if (request.method() !== 'PUT') return route.continue()
    ranges.push(request.headers()['content-range'] ?? null)
    if (ranges.length > 1) return route.continue()
    // The first half reaches the server, then the connection drops.
    const partial = await fetch(request.url(), {
      method: 'PUT',
      body: Uint8Array.from(pdf.subarray(0, half)),
      headers: { 'Content-Range': `bytes 0-${half - 1}/${pdf.length}` },
    })
    expect(partial.status).toBe(308)
    await route.abort('connectionreset')
  })

  await page.getByRole('button', { name: 'Add' }).click()
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('menuitem', { name: 'Upload files' }).click()
  await (await chooser).setFiles([{ name: 'Long read.pdf', mimeType: 'application/pdf', buffer: pdf }])
  await expect(uploadRow(page, 'Long read.pdf')).toContainText('Failed')
  await uploadRow(page, 'Long read.pdf').getByRole('button', { name: 'Retry Long read.pdf' }).click()
  await expect(uploadRow(page, 'Long read.pdf')).toContainText('100 %')
  await expect(uploadRow(page, 'Long read.pdf')).toContainText('Added')
  expect(ranges).toEqual([null, `bytes ${half}-${pdf.length - 1}/${pdf.length}`])
  await dialog(page).getByRole('button', { name: 'Close' }).click()
  await expect(contents(page).getByRole('listitem', { name: 'Long read', exact: true })).toBeVisible()
})
