/**
 * The Preview tab's H5P and EPUB, and a folder's thumbnail (issue 14, "What to build" 3 and 2).
 * An H5P with a tiny content type of its own (H5P.Hello-1.0, built by
 * contentcuration/tests/media_fixtures.py) plays in the server's player page, sandboxed in an
 * opaque origin; an EPUB's chapters are read page by page without running the book's script; a
 * folder takes an uploaded, cropped thumbnail and loses it. Real server and worker.
 */
import { expect, test, type Page } from '@playwright/test'
import { addChildren, drawnPng, expectAccessible, mediaFixture, python, signedInOnNewChannel as onNewChannel, uploadFiles } from './helpers'

const PASSWORD = 'a-long-password-1'

test.describe.configure({ timeout: 120_000 })

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const panel = (page: Page) => page.getByRole('complementary', { name: 'Edit panel' })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })

const signedInOnNewChannel = (page: Page, name: string) => onNewChannel(page, name, 'previews', PASSWORD)

test('H5P plays its own library in the sandboxed player; an EPUB is read chapter by chapter, its script not run', async ({ page }) => {
  const { channelId } = await signedInOnNewChannel(page, 'Previews')
  await page.goto(`/channels/${channelId}/`)
  await uploadFiles(page, [
    { name: 'halves.h5p', mimeType: 'application/zip', buffer: mediaFixture('h5p(title="Halves game", language="es", text="¡Hola, mitades!")') },
    {
      name: 'halves.epub',
      mimeType: 'application/epub+zip',
      buffer: mediaFixture('epub(title="Halves book", language="fr", chapters=("Un demi est une part sur deux.", "Deux demis font un tout."))'),
    },
  ])
  const edit = panel(page)

  // H5P: the server's player page at /zipcontent/<md5>.h5p/ runs H5P.Hello from the archive.
  await row(page, 'Halves game').getByRole('link', { name: 'Halves game' }).click()
  await edit.getByRole('tab', { name: 'Preview' }).click()
  const frame = edit.locator('iframe[title="Preview of Halves game"]')
  await expect(frame).toHaveAttribute('sandbox', 'allow-scripts allow-forms allow-popups')
  await expect(frame).toHaveAttribute('src', /^\/zipcontent\/[0-9a-f]{32}\.h5p\/$/)
  const player = page.frameLocator('iframe[title="Preview of Halves game"]')
  await expect(player.locator('body')).toHaveAttribute('data-h5p', 'ready', { timeout: 20_000 })
  await expect(player.locator('.h5p-content .hello-text')).toHaveText('¡Hola, mitades!') // drawn by the archive's H5P.Hello
  await expect(edit.getByText(/H5P needs its player|not available yet/)).toHaveCount(0)
  // In an opaque origin: no cookies of ours, no same-origin reads of the API.
  const playerFrame = page.frames().find((f) => /\/zipcontent\/[0-9a-f]{32}\.h5p\/$/.test(f.url()))!
  expect(
    await playerFrame.evaluate(async () => {
      let cookie: string
      try {
        cookie = document.cookie
      } catch (error) {
        cookie = `blocked:${(error as Error).name}`
      }
      let api: string
      try {
        api = String((await fetch('/api/user/me', { credentials: 'include' })).status)
      } catch {
        api = 'refused'
      }
      return [self.origin, cookie, api]
    }),
  ).toEqual(['null', 'blocked:SecurityError', 'refused'])
  await expectAccessible(page)

  // EPUB: chapter 1, then chapter 2 and back; epub.js's frame runs no script of the book's.
  await row(page, 'Halves book').getByRole('link', { name: 'Halves book' }).click()
  await edit.getByRole('tab', { name: 'Preview' }).click()
  const book = edit.locator('iframe[title="Preview of Halves book"]')
  await expect(book.first()).toHaveAttribute('sandbox', 'allow-same-origin')
  const reader = page.frameLocator('iframe[title="Preview of Halves book"] >> nth=0')
  await expect(reader.getByText('Un demi est une part sur deux.')).toBeVisible({ timeout: 20_000 })
  await expect(reader.locator('body')).not.toHaveAttribute('data-script-ran', 'yes')
  await expect(edit.getByText('Section 1 of 2')).toBeVisible()
  await expect(edit.getByRole('button', { name: 'Previous page' })).toBeDisabled()
  await expectAccessible(page, { exclude: ['.epub-pages iframe'] }) // named by its title, asserted above
  await edit.getByRole('button', { name: 'Next page' }).click()
  await expect(edit.getByText('Section 2 of 2')).toBeVisible()
  await expect(page.frameLocator('iframe[title="Preview of Halves book"] >> visible=true').getByText('Deux demis font un tout.')).toBeVisible()
  await expect(edit.getByRole('button', { name: 'Next page' })).toBeDisabled()
  await edit.getByRole('button', { name: 'Previous page' }).click()
  await expect(edit.getByText('Section 1 of 2')).toBeVisible()
})

test('a folder takes an uploaded, cropped thumbnail shown on its row; removed, the placeholder is back', async ({ page }) => {
  const { channelId, root } = await signedInOnNewChannel(page, 'Folder thumbnails')
  const [folder] = addChildren(root, [{ title: 'Unit 1' }])
  await page.goto(`/channels/${channelId}/folders/${root}/nodes/${folder}`)
  const edit = panel(page)
  await expect(edit.getByRole('heading', { name: 'Thumbnail' })).toBeVisible()
  await expect(edit.getByText('No thumbnail')).toBeVisible()
  // Only upload for a folder: it has no file to draw one from.
  await expect(edit.getByRole('button', { name: /^From / })).toHaveCount(0)

  const green = await drawnPng(page, ['#00a000'])
  const chooser = page.waitForEvent('filechooser')
  await edit.getByRole('button', { name: 'Upload an image' }).click()
  await (await chooser).setFiles({ name: 'unit.png', mimeType: 'image/png', buffer: green })
  const crop = page.getByRole('dialog', { name: 'Crop the thumbnail' })
  await crop.getByRole('button', { name: 'Use thumbnail' }).click()
  await expect(edit.getByRole('img', { name: 'Thumbnail of Unit 1' })).toBeVisible({ timeout: 20_000 })
  const onRow = row(page, 'Unit 1').getByRole('img', { name: 'Thumbnail of Unit 1' })
  await expect(onRow).toBeVisible()
  await expect.poll(() => onRow.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight])).toEqual([true, 640, 360])
  expect(
    python(`from contentcuration.models import File; print([(f.preset_id, f.file_format_id) for f in File.objects.filter(contentnode_id='${folder}')])`),
  ).toBe("[('topic_thumbnail', 'png')]")
  const read = (await (await page.request.get(`/api/contentnode/${folder}`)).json()) as { thumbnail_src: string | null }
  expect(read.thumbnail_src).toMatch(/^\/content\/storage\/.+\.png$/)
  await expectAccessible(page)

  await edit.getByRole('button', { name: 'Remove thumbnail' }).click()
  await expect(edit.getByText('No thumbnail')).toBeVisible()
  await expect(row(page, 'Unit 1').getByRole('img', { name: 'Thumbnail of Unit 1' })).toHaveCount(0)
  expect(python(`from contentcuration.models import File; print(File.objects.filter(contentnode_id='${folder}').count())`)).toBe('0')
})
