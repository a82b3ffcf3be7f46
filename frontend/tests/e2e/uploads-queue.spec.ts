/**
 * The upload queue, issue 14 acceptance 1, 2, 3 and 9 (upload dialog): four kinds at once
 * becoming complete resources, a 60 MB upload cut after 20 MB and resumed (Retry, and after a
 * reload), pause / resume, over-quota and unsupported files refused before any byte, files
 * dropped onto the folder. Real server and worker; the media are built here (PDF) or by
 * contentcuration/tests/media_fixtures.py (WebM, EPUB, H5P), so no binary is committed.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test, type Page, type Route } from '@playwright/test'
import { createChannel, createUser, expectAccessible, mediaFixture as fixture, python, rootOf, signIn, uniqueEmail } from './helpers'
import { pdfFile } from './pdf'

const PASSWORD = 'a-long-password-1'
const MB = 1024 * 1024

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex')
const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const dialog = (page: Page) => page.getByRole('dialog', { name: 'Upload files' })
const uploadRow = (page: Page, name: string) => dialog(page).getByRole('listitem', { name, exact: true })

async function curatorWithChannel(page: Page, name: string, prefix: string) {
  const email = uniqueEmail(prefix)
  createUser(email, PASSWORD)
  const channel = createChannel(email, name)
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}/`)
  await expect(page.getByRole('textbox', { name: 'Channel name' })).toHaveValue(name)
  return { email, channel, root: rootOf(channel.id) }
}

async function openChooser(page: Page) {
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menuitem', { name: 'Upload files' }).click()
  return chooser
}

/** The node rows under `root` as "title|kind|file format|file duration|complete", by title. */
function resourcesOf(root: string): string {
  return python(
    [
      'from contentcuration.models import ContentNode, File',
      `rows = []`,
      `for n in ContentNode.objects.filter(parent_id='${root}').order_by('title'):`,
      '    f = File.objects.filter(contentnode=n, preset__thumbnail=False, preset__subtitle=False).first()',
      '    rows.append(f"{n.title}|{n.kind_id}|{f and f.file_format_id}|{f and f.duration}|{n.complete}")',
      'print(";".join(rows))',
    ].join('\n'),
  )
}

test('acceptance 1: a PDF, an EPUB, a WebM and an H5P at once → four resources titled from the files, complete once licensed', async ({ page }) => {
  const { root } = await curatorWithChannel(page, 'Four kinds', 'four')
  const files = [
    { name: 'Halves_worksheet.pdf', mimeType: 'application/pdf', buffer: pdfFile({ padding: 7 }) }, // not uploads.spec's bytes (a stored md5 skips the PUT)
    { name: 'Fractions book.epub', mimeType: 'application/epub+zip', buffer: fixture('epub(title="Fractions for everyone", language="fr")') },
    { name: 'Halves clip.webm', mimeType: 'video/webm', buffer: fixture('webm(milliseconds=12_500)') },
    { name: 'game.h5p', mimeType: 'application/zip', buffer: fixture('h5p(title="Fractions game", language="es", license="CC BY-SA")') },
  ]
  const started: string[] = []
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().includes('/api/file/upload/')) started.push(request.url())
  })
  await (await openChooser(page)).setFiles(files)
  for (const file of files) await expect(uploadRow(page, file.name)).toContainText('Added', { timeout: 20_000 })
  expect(started).toHaveLength(4)
  await expect(dialog(page).getByTestId('storage-left')).toContainText(/Storage (left|used)/)
  await expectAccessible(page) // acceptance 9: the upload dialog with a full queue
  await dialog(page).getByRole('button', { name: 'Close' }).click()

  // Titled from the files: the PDF and the WebM from their names, the EPUB and the H5P from
  // their own metadata; the WebM's duration read from its headers; incomplete without a license.
  const titles = ['Fractions for everyone', 'Fractions game', 'Halves clip', 'Halves worksheet']
  for (const title of titles) await expect(contents(page).getByRole('listitem', { name: title, exact: true })).toBeVisible()
  await expect
    .poll(() => resourcesOf(root))
    .toBe(
      [
        'Fractions for everyone|document|epub|None|False',
        'Fractions game|h5p|h5p|None|False', // CC BY-SA from h5p.json, no copyright holder yet
        'Halves clip|video|webm|12|False',
        'Halves worksheet|document|pdf|None|False',
      ].join(';'),
    )
  expect(python(`from contentcuration.models import ContentNode, License; n = ContentNode.objects.get(parent_id='${root}', title='Fractions game'); print(n.license.license_name, n.language_id)`)).toBe('CC BY-SA es')

  // The license set on all four in the edit panel → all complete.
  await page.getByRole('checkbox', { name: 'Select all' }).check()
  await page.getByRole('button', { name: 'Edit selected' }).click()
  const panel = page.getByRole('complementary', { name: 'Edit panel' })
  await expect(panel.getByRole('heading', { name: 'Edit 4 items' })).toBeVisible()
  await panel.getByRole('combobox', { name: 'License' }).focus()
  await page.keyboard.press('Enter')
  await page.getByRole('option', { name: 'CC BY-SA', exact: true }).click()
  await page.keyboard.press('Escape')
  await panel.getByRole('textbox', { name: 'Copyright holder' }).pressSequentially('Org')
  await expect(page.getByRole('status')).toHaveText(/All changes saved/, { timeout: 15_000 })
  await expect
    .poll(() => resourcesOf(root))
    .toBe(
      [
        'Fractions for everyone|document|epub|None|True',
        'Fractions game|h5p|h5p|None|True',
        'Halves clip|video|webm|12|True',
        'Halves worksheet|document|pdf|None|True',
      ].join(';'),
    )
})

test('acceptance 2: a 60 MB file cut after 20 MB → Retry sends only the rest; a reload mid-upload resumes too', async ({ page }) => {
  test.setTimeout(180_000)
  const { root } = await curatorWithChannel(page, 'Big files', 'big')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-uploads-'))
  const big = pdfFile({ padding: 60 * MB - 400 })
  const bigPath = path.join(dir, 'Long read.pdf')
  writeFileSync(bigPath, big)
  const cut = 20 * MB

  // The first PUT: 20 MB reach the server, then the connection drops.
  const seen: { range: string | null; bytes: number }[] = []
  await page.route('**/api/file/upload/**', async (route: Route) => {
    const request = route.request()
    if (request.method() !== 'PUT') return route.continue()
    const body = request.postDataBuffer()
    seen.push({ range: request.headers()['content-range'] ?? null, bytes: body?.length ?? 0 })
    if (seen.length > 1) return route.continue()
    const partial = await fetch(request.url(), {
      method: 'PUT',
      body: Uint8Array.from(big.subarray(0, cut)),
      headers: { 'Content-Range': `bytes 0-${cut - 1}/${big.length}` },
    })
    expect(partial.status).toBe(308)
    await route.abort('connectionreset')
  })
  await (await openChooser(page)).setFiles(bigPath)
  const row = uploadRow(page, 'Long read.pdf')
  await expect(row).toContainText('Failed', { timeout: 30_000 })
  await expect(row).toContainText('33 %') // the server's offset, not what the browser had sent
  await row.getByRole('button', { name: 'Retry Long read.pdf' }).click()
  await expect(row).toContainText('Added', { timeout: 60_000 })
  // The retry carried only the 40 MB the server did not hold (the first, whole-file PUT's
  // body is not shown to the route, so only its range is checked).
  expect(seen.map((s) => s.range)).toEqual([null, `bytes ${cut}-${big.length - 1}/${big.length}`])
  expect(seen[1]!.bytes).toBe(big.length - cut)
  // On the server: the stored object's md5 is the file's.
  await expect
    .poll(() =>
      python(
        `from contentcuration.models import File; from contentcuration import storage; f = File.objects.filter(contentnode__parent_id='${root}', contentnode__title='Long read').first(); ` +
          `print(f and f.checksum, f and f.file_size, f and storage.object_exists(f.checksum, 'pdf'))`,
      ),
    )
    .toBe(`${md5(big)} ${big.length} True`)
  await page.unroute('**/api/file/upload/**')
  await dialog(page).getByRole('button', { name: 'Close' }).click()

  // A reload mid-upload: 20 MB arrive, the rest hangs; the page is reloaded (it asks first),
  // the queue lists the file as unfinished; choosing it again sends only the rest.
  const second = pdfFile({ padding: 60 * MB - 300 }) // other bytes, other md5
  const secondPath = path.join(dir, 'Second read.pdf')
  writeFileSync(secondPath, second)
  const ranges: (string | null)[] = []
  let release: () => void = () => {}
  const hanging = new Promise<void>((resolve) => (release = resolve))
  await page.route('**/api/file/upload/**', async (route: Route) => {
    const request = route.request()
    if (request.method() !== 'PUT') return route.continue()
    ranges.push(request.headers()['content-range'] ?? null)
    if (ranges.length > 1) return route.continue()
    await fetch(request.url(), {
      method: 'PUT',
      body: Uint8Array.from(second.subarray(0, cut)),
      headers: { 'Content-Range': `bytes 0-${cut - 1}/${second.length}` },
    })
    await hanging // never answered: the page goes away first
    await route.abort('connectionreset').catch(() => {})
  })
  await (await openChooser(page)).setFiles(secondPath)
  await expect.poll(() => ranges.length, { timeout: 30_000 }).toBe(1)
  await expect(uploadRow(page, 'Second read.pdf')).toContainText('Uploading')
  const asked: string[] = []
  page.once('dialog', async (d) => {
    asked.push(d.type())
    await d.accept()
  })
  await page.reload()
  release()
  expect(asked).toEqual(['beforeunload'])
  await expect(page.getByRole('textbox', { name: 'Channel name' })).toHaveValue('Big files')
  const chooser = await openChooser(page)
  const again = uploadRow(page, 'Second read.pdf')
  await expect(again).toContainText('choose the same file again')
  await chooser.setFiles(secondPath)
  await expect(again).toContainText('Added', { timeout: 60_000 })
  expect(ranges).toEqual([null, `bytes ${cut}-${second.length - 1}/${second.length}`])
  await expect
    .poll(() =>
      python(`from contentcuration.models import File; f = File.objects.filter(contentnode__parent_id='${root}', contentnode__title='Second read').first(); print(f and f.checksum)`),
    )
    .toBe(md5(second))
  await expect(page.evaluate(() => localStorage.getItem('cc-upload-queue'))).resolves.toBeNull()
})

test('acceptance 3: an over-quota file and a .docx are refused before any byte, with the reason', async ({ page }) => {
  const { email } = await curatorWithChannel(page, 'Quota', 'quota')
  python(`from contentcuration.models import User; User.objects.filter(email='${email}').update(disk_space=200_000, disk_space_used=0); print('ok')`)
  const puts: string[] = []
  const announced: string[] = []
  page.on('request', (request) => {
    if (request.method() === 'PUT') puts.push(request.url())
    if (request.url().includes('/api/file/upload_url')) {
      // the queue announces in batches (upload_urls: {files: [...]}); other callers one file (upload_url)
      const body = request.postDataJSON()
      announced.push(...(body?.files ?? [body]).map((file: { name?: string } | null) => file?.name))
    }
  })
  const chooser = await openChooser(page)
  await expect(dialog(page).getByTestId('storage-left')).toHaveText('Storage left: 200 kB of 200 kB')
  await chooser.setFiles([
    { name: 'Too big.pdf', mimeType: 'application/pdf', buffer: pdfFile({ padding: 300_000 }) },
    { name: 'notes.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from('PK\x03\x04 a word document') },
    { name: 'Small.pdf', mimeType: 'application/pdf', buffer: pdfFile({ padding: 1000 }) },
  ])
  await expect(uploadRow(page, 'Too big.pdf')).toContainText('Refused: Not enough storage: this file needs 300 kB and 200 kB is left.')
  await expect(uploadRow(page, 'notes.docx')).toContainText(/Refused: 'docx' files are not supported/)
  await expect(uploadRow(page, 'Small.pdf')).toContainText('Added')
  await expect(dialog(page).getByTestId('storage-left')).toHaveText(/^Storage left: 19\d kB of 200 kB$/)
  expect(puts).toHaveLength(1) // only Small.pdf's bytes went out
  expect(announced).not.toContain('Too big.pdf')

  // The quota lowered meanwhile (an admin, another tab): refused again before any byte, by
  // the queue's own check or by the server's 412, whichever sees it first.
  python(`from contentcuration.models import User; User.objects.filter(email='${email}').update(disk_space=1000); print('ok')`)
  await dialog(page).getByRole('button', { name: 'Close' }).click()
  await (await openChooser(page)).setFiles([{ name: 'Another.pdf', mimeType: 'application/pdf', buffer: pdfFile({ padding: 5000 }) }])
  await expect(uploadRow(page, 'Another.pdf')).toContainText(/Refused: .*(space|storage)/i)
  expect(puts).toHaveLength(1)
  expect(python(`from contentcuration.models import File; print(File.objects.filter(original_filename__in=['Too big.pdf', 'notes.docx', 'Another.pdf']).count())`)).toBe('0')
})

test('pause and resume an upload; files dropped onto the folder contents are uploaded there', async ({ page }) => {
  const { root } = await curatorWithChannel(page, 'Pauses', 'pause')
  const pdf = pdfFile({ padding: 3 * MB })
  const ranges: (string | null)[] = []
  let hold = true
  let release: () => void = () => {}
  const paused = new Promise<void>((resolve) => (release = resolve))
  await page.route('**/api/file/upload/**', async (route: Route) => {
    const request = route.request()
    if (request.method() !== 'PUT') return route.continue()
    ranges.push(request.headers()['content-range'] ?? null)
    if (!hold) return route.continue()
    // 1 MB arrives, then the request hangs until the curator pauses.
    await fetch(request.url(), { method: 'PUT', body: Uint8Array.from(pdf.subarray(0, MB)), headers: { 'Content-Range': `bytes 0-${MB - 1}/${pdf.length}` } })
    await paused
    await route.abort().catch(() => {})
  })
  await (await openChooser(page)).setFiles([{ name: 'Paused.pdf', mimeType: 'application/pdf', buffer: pdf }])
  const row = uploadRow(page, 'Paused.pdf')
  await expect.poll(() => ranges.length).toBe(1)
  await row.getByRole('button', { name: 'Pause Paused.pdf' }).click()
  await expect(row).toContainText('Paused')
  release()
  hold = false
  await row.getByRole('button', { name: 'Resume Paused.pdf' }).click()
  await expect(row).toContainText('Added')
  expect(ranges).toEqual([null, `bytes ${MB}-${pdf.length - 1}/${pdf.length}`])
  await dialog(page).getByRole('button', { name: 'Close' }).click()

  // Drag and drop: a DataTransfer carrying a file, dropped on the folder's contents.
  const transfer = await page.evaluateHandle((bytes) => {
    const data = new DataTransfer()
    data.items.add(new File([Uint8Array.from(bytes)], 'Dropped notes.pdf', { type: 'application/pdf' }))
    return data
  }, Array.from(pdfFile({ padding: 10 })))
  const target = page.locator('.folder-contents')
  await target.dispatchEvent('dragover', { dataTransfer: transfer })
  await target.dispatchEvent('drop', { dataTransfer: transfer })
  await expect(uploadRow(page, 'Dropped notes.pdf')).toContainText('Added')
  await expect
    .poll(() => python(`from contentcuration.models import ContentNode; print(sorted(ContentNode.objects.filter(parent_id='${root}').values_list('title', flat=True)))`))
    .toBe("['Dropped notes', 'Paused']")
})
