/**
 * The edit panel's media parts (issue 14, acceptance 4, 5 and 8): captions added to a video
 * and the preview playing it; a thumbnail drawn from a PDF's first page shown on the row and
 * removed again; previous / next steps shown on both nodes with self-reference and circles
 * refused by the server's message. Real server and worker; every outcome is also read back
 * through the API and the database. The WebM is recorded by Chromium itself (MediaRecorder on
 * a canvas, VP8): a real, playable two-second video whose header carries its duration.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { expect, test, type Page } from '@playwright/test'
import { addChildren, drawnPng, expectAccessible, pixelOf, python, signedInOnNewChannel as onNewChannel, uploadFiles as upload } from './helpers'
import { PYTHON } from './server'
import { pdfFile } from './pdf'

const PASSWORD = 'a-long-password-1'

// Each test reads the database a few times through manage.py (seconds each on a busy machine).
test.describe.configure({ timeout: 120_000 })

/** Two seconds of WebM (VP8) recorded by the page's own MediaRecorder from a canvas. */
async function recordWebm(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = document.createElement('canvas')
    canvas.width = 160
    canvas.height = 120
    const context = canvas.getContext('2d')!
    let frame = 0
    const draw = () => {
      context.fillStyle = frame % 2 ? '#1d5b8f' : '#f0a020'
      context.fillRect(0, 0, 160, 120)
      frame++
    }
    draw()
    const timer = setInterval(draw, 100)
    const recorder = new MediaRecorder(canvas.captureStream(10), { mimeType: 'video/webm;codecs=vp8' })
    const chunks: Blob[] = []
    recorder.ondataavailable = (event) => chunks.push(event.data)
    const stopped = new Promise((resolve) => (recorder.onstop = resolve))
    recorder.start()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    recorder.stop()
    await stopped
    clearInterval(timer)
    const bytes = new Uint8Array(await new Blob(chunks, { type: 'video/webm' }).arrayBuffer())
    let binary = ''
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(binary)
  })
  return Buffer.from(base64, 'base64')
}

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const panel = (page: Page) => page.getByRole('complementary', { name: 'Edit panel' })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })

const signedInOnNewChannel = (page: Page, name: string) => onNewChannel(page, name, 'media', PASSWORD)

function nodeIdOf(root: string, title: string): string {
  return python(`from contentcuration.models import ContentNode; print(ContentNode.objects.get(parent_id='${root}', title='${title}').pk)`)
}

test('captions: es.vtt added to a video as Spanish is listed, and the preview plays the video with it', async ({ page }) => {
  const { channelId, root } = await signedInOnNewChannel(page, 'Media captions')
  await page.goto(`/channels/${channelId}/`)
  const webm = await recordWebm(page)
  await upload(page, [{ name: 'Halves.webm', mimeType: 'video/webm', buffer: webm }])

  await row(page, 'Halves').getByRole('link', { name: 'Halves' }).click()
  const edit = panel(page)
  await expect(edit.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true')
  await expect(edit.getByText('Halves.webm')).toBeVisible()
  await expect(edit.getByText(/^High Resolution · \d+(\.\d)? KB$/)).toBeVisible()

  await edit.getByRole('combobox', { name: 'Captions language' }).fill('Spanish')
  await page.getByRole('option', { name: /^Spanish/ }).first().click()
  const chooserOpened = page.waitForEvent('filechooser')
  await edit.getByRole('button', { name: 'Add captions (.vtt)' }).click()
  const vtt = 'WEBVTT\n\n00:00.000 --> 00:01.500\nUn medio\n'
  await (await chooserOpened).setFiles({ name: 'es.vtt', mimeType: 'text/vtt', buffer: Buffer.from(vtt) })
  const captions = edit.getByRole('list', { name: 'Captions' })
  await expect(captions.getByRole('listitem')).toHaveText(['Spanish'])
  await expect(edit.getByRole('button', { name: 'Remove Spanish captions' })).toBeVisible()
  await expectAccessible(page)

  // Through the API: the node has the video and the Spanish captions; in the database too.
  const video = nodeIdOf(root, 'Halves')
  const files = (await (await page.request.get(`/api/file?contentnode=${video}`)).json()) as { preset: string; language: string | null; checksum: string }[]
  expect(files.map((f) => [f.preset, f.language]).sort()).toEqual([
    ['high_res_video', null],
    ['video_subtitle', 'es'],
  ])
  expect(files.find((f) => f.preset === 'video_subtitle')!.checksum).toBe(createHash('md5').update(vtt).digest('hex'))
  expect(
    python(
      `from contentcuration.models import File; print(sorted((f.preset_id, f.language_id, bool(f.duration)) for f in File.objects.filter(contentnode_id='${video}')))`,
    ),
  ).toBe("[('high_res_video', None, True), ('video_subtitle', 'es', False)]")

  // The preview plays the video, the Spanish captions as its track.
  await edit.getByRole('tab', { name: 'Preview' }).click()
  const player = edit.locator('video')
  await expect(player).toBeVisible()
  await expect(player.locator('track[kind="captions"]')).toHaveAttribute('srclang', 'es')
  await player.evaluate((element: HTMLVideoElement) => {
    element.muted = true
    return element.play()
  })
  await expect.poll(() => player.evaluate((element: HTMLVideoElement) => element.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.2)
  expect(await player.evaluate((element: HTMLVideoElement) => [element.error, element.videoWidth])).toEqual([null, 160])
  await expectAccessible(page)
})

test('thumbnail: drawn from the PDF first page it shows on the row; removed, the placeholder is back; an uploaded image is cropped', async ({ page }) => {
  const { channelId, root } = await signedInOnNewChannel(page, 'Media thumbnails')
  await page.goto(`/channels/${channelId}/`)
  await upload(page, [{ name: 'Halves worksheet.pdf', mimeType: 'application/pdf', buffer: pdfFile({ drawn: true }) }])
  const title = 'Halves worksheet'
  await expect(row(page, title).locator('.row-kind')).toBeVisible()

  await row(page, title).getByRole('link', { name: title }).click()
  const edit = panel(page)
  await expect(edit.getByRole('img', { name: `Thumbnail of ${title}` })).toHaveCount(0)
  await expect(edit.getByText('No thumbnail')).toBeVisible()
  await expectAccessible(page)

  await edit.getByRole('button', { name: 'From the first page' }).click()
  await expect(edit.getByRole('img', { name: `Thumbnail of ${title}` })).toBeVisible({ timeout: 20_000 })
  const onRow = row(page, title).getByRole('img', { name: `Thumbnail of ${title}` })
  await expect(onRow).toBeVisible()
  await expect(row(page, title).locator('.row-kind')).toHaveCount(0)
  // The picture loaded (a real PNG served from storage) and is 16:9.
  await expect.poll(() => onRow.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight])).toEqual([true, 640, 360])

  // The API and the database: a PNG document_thumbnail on the node, drawn from the page (not blank).
  const node = nodeIdOf(root, title)
  const read = (await (await page.request.get(`/api/contentnode/${node}`)).json()) as { thumbnail_src: string | null }
  expect(read.thumbnail_src).toMatch(/\.png$/)
  const thumbnail = await page.request.get(read.thumbnail_src!)
  expect(thumbnail.status()).toBe(200)
  const png = await thumbnail.body()
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
  const darkShare = await page.evaluate(async (src) => {
    const bitmap = await createImageBitmap(await (await fetch(src)).blob())
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
    const context = canvas.getContext('2d')!
    context.drawImage(bitmap, 0, 0)
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data
    let dark = 0
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 60 && pixels[i + 1]! < 60 && pixels[i + 2]! < 60) dark++
    return dark / (pixels.length / 4)
  }, read.thumbnail_src!)
  expect(darkShare).toBeGreaterThan(0.05) // the black bar of the page
  expect(
    python(
      `from contentcuration.models import File; print([(f.preset_id, f.file_format_id) for f in File.objects.filter(contentnode_id='${node}', preset__thumbnail=True)])`,
    ),
  ).toBe("[('document_thumbnail', 'png')]")
  await expectAccessible(page)

  await edit.getByRole('button', { name: 'Remove thumbnail' }).click()
  await expect(edit.getByText('No thumbnail')).toBeVisible()
  await expect(row(page, title).locator('.row-kind')).toBeVisible()
  await expect(row(page, title).getByRole('img', { name: `Thumbnail of ${title}` })).toHaveCount(0)
  const after = (await (await page.request.get(`/api/contentnode/${node}`)).json()) as { thumbnail_src: string | null }
  expect(after.thumbnail_src).toBeNull()
  expect(python(`from contentcuration.models import File; print(File.objects.filter(contentnode_id='${node}', preset__thumbnail=True).count())`)).toBe('0')

  // An uploaded image, cropped: zoomed in on its left (red) half, the right (blue) half left out.
  const halves = await drawnPng(page, ['#ff0000', '#0000ff'])
  const imageChooser = page.waitForEvent('filechooser')
  await edit.getByRole('button', { name: 'Upload an image' }).click()
  await (await imageChooser).setFiles({ name: 'halves.png', mimeType: 'image/png', buffer: halves })
  const crop = page.getByRole('dialog', { name: 'Crop the thumbnail' })
  await expect(crop.getByRole('img', { name: 'The thumbnail as it will be' })).toBeVisible()
  await expectAccessible(page)
  await crop.getByRole('slider', { name: 'Zoom' }).focus()
  await page.keyboard.press('End')
  await crop.getByRole('slider', { name: 'Horizontal position' }).focus()
  await page.keyboard.press('Home')
  await crop.getByRole('button', { name: 'Use thumbnail' }).click()
  const cropped = row(page, title).getByRole('img', { name: `Thumbnail of ${title}` })
  await expect(cropped).toBeVisible({ timeout: 20_000 })
  const pixel = (x: number) => pixelOf(cropped, x)
  expect(await pixel(10)).toEqual([255, 0, 0, 255])
  expect(await pixel(630)).toEqual([255, 0, 0, 255]) // uncropped, this side would be blue
})

test('related: "Intro video" as a previous step shows on both nodes; self-reference and a circle are refused', async ({ page }) => {
  const { channelId, root } = await signedInOnNewChannel(page, 'Media related')
  const [intro, practice] = addChildren(root, [
    { title: 'Intro video', kind: 'video' },
    { title: 'Halves practice', kind: 'exercise' },
  ])
  await page.goto(`/channels/${channelId}/folders/${root}/nodes/${practice}`)
  const edit = panel(page)
  await edit.getByRole('tab', { name: 'Related' }).click()
  await expect(edit.getByRole('heading', { name: 'Previous steps' })).toBeVisible()
  await expectAccessible(page)

  await edit.getByRole('button', { name: 'Add a previous step' }).click()
  const picker = page.getByRole('dialog', { name: 'Choose a previous step for Halves practice' })
  await picker.getByRole('searchbox', { name: 'Search resources' }).fill('Intro')
  await picker.getByRole('button', { name: 'Choose Intro video' }).click()
  await expect(edit.getByRole('list', { name: 'Previous steps' }).getByRole('listitem')).toHaveText(['Intro video'])
  expect(
    python(
      `from contentcuration.models import PrerequisiteContentRelationship as P; print(list(P.objects.values_list('target_node_id', 'prerequisite_id')))`,
    ),
  ).toBe(`[('${practice}', '${intro}')]`)
  const edges = (await (await page.request.get(`/api/contentnode/${intro}/requisites`)).json()) as unknown[]
  expect(edges).toEqual([{ target_node: practice, prerequisite: intro }])

  // On the other node it is a next step.
  await page.goto(`/channels/${channelId}/folders/${root}/nodes/${intro}`)
  await edit.getByRole('tab', { name: 'Related' }).click()
  await expect(edit.getByRole('list', { name: 'Next steps' }).getByRole('listitem')).toHaveText(['Halves practice'])
  await expect(edit.getByRole('list', { name: 'Previous steps' })).toHaveCount(0)

  // Itself as its own previous step (browsing the channel's top folder): refused, the server's words.
  await edit.getByRole('button', { name: 'Add a previous step' }).click()
  const ownPicker = page.getByRole('dialog', { name: 'Choose a previous step for Intro video' })
  await ownPicker.getByRole('button', { name: 'Choose Intro video' }).click()
  await expect(edit.getByRole('alert').filter({ hasText: 'Prerequisite relationship cannot be self referential' })).toBeVisible()
  await expectAccessible(page)

  // "Halves practice" as a previous step of "Intro video" would close a circle: refused too.
  await edit.getByRole('button', { name: 'Add a next step' }).click()
  await expect(page.getByRole('dialog', { name: 'Choose a next step for Intro video' }).getByRole('button', { name: 'Choose Halves practice' })).toBeDisabled()
  await page.getByRole('dialog', { name: 'Choose a next step for Intro video' }).getByRole('button', { name: 'Cancel' }).click()
  await edit.getByRole('button', { name: 'Add a previous step' }).click()
  await page.getByRole('dialog', { name: 'Choose a previous step for Intro video' }).getByRole('button', { name: 'Choose Halves practice' }).click()
  await expect(edit.getByRole('alert').filter({ hasText: 'Prerequisite relationship cannot be reciprocal' })).toBeVisible()
  expect(python(`from contentcuration.models import PrerequisiteContentRelationship as P; print(P.objects.count())`)).toBe('1')
  // Nothing refused stays waiting in the outbox.
  await expect(page.locator('.save-status')).toHaveAttribute('data-state', 'saved')

  // Removed from the next-steps side: gone on both.
  await edit.getByRole('button', { name: 'Remove Halves practice' }).click()
  await expect(edit.getByRole('list', { name: 'Next steps' })).toHaveCount(0)
  expect(python(`from contentcuration.models import PrerequisiteContentRelationship as P; print(P.objects.count())`)).toBe('0')
})

/** An HTML5 app zip (index.html at the top), made with Python's zipfile. */
function html5Zip(): Buffer {
  const code = [
    'import base64, io, struct, sys, zipfile, zlib',
    // A real 32×18 PNG, solid green, for the thumbnail taken from the app's pictures.
    'def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))',
    'rows = b"".join(b"\\x00" + b"\\x00\\xa0\\x00" * 32 for _ in range(18))',
    'png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 18, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")',
    'buffer = io.BytesIO()',
    'with zipfile.ZipFile(buffer, "w") as archive:',
    '    archive.writestr("index.html", "<!doctype html><html lang=en><head><title>Fraction pie</title><script src=app.js></script></head><body><h1>Fraction pie</h1><img src=img/pie.png alt=Pie></body></html>")',
    '    archive.writestr("img/pie.png", png)',
    // In the sandbox's opaque origin, reading document.cookie throws: the app says which it saw.
    '    archive.writestr("app.js", "addEventListener(\'load\', () => { let seen = \'opaque\'; try { seen = \'cookies:\' + document.cookie } catch {} document.body.dataset.origin = seen })")',
    'sys.stdout.write(base64.b64encode(buffer.getvalue()).decode())',
  ].join('\n')
  return Buffer.from(execFileSync(PYTHON, ['-c', code], { encoding: 'utf-8' }), 'base64')
}

test('files: the PDF previews page by page, is replaced and removed; an HTML5 app previews sandboxed, its picture and a video frame become thumbnails', async ({ page }) => {
  const { channelId, root } = await signedInOnNewChannel(page, 'Media files')
  await page.goto(`/channels/${channelId}/`)
  const webm = await recordWebm(page)
  await upload(page, [
    { name: 'Halves worksheet.pdf', mimeType: 'application/pdf', buffer: pdfFile({ drawn: true, pages: 2 }) },
    { name: 'Fraction pie.zip', mimeType: 'application/zip', buffer: html5Zip() },
    { name: 'Clip.webm', mimeType: 'video/webm', buffer: webm },
  ])
  const edit = panel(page)

  // PDF: the preview draws page 1 of 2, then page 2.
  await row(page, 'Halves worksheet').getByRole('link', { name: 'Halves worksheet' }).click()
  await edit.getByRole('tab', { name: 'Preview' }).click()
  await expect(edit.getByRole('img', { name: 'Page 1 of 2' })).toBeVisible()
  await edit.getByRole('button', { name: 'Next page' }).click()
  await expect(edit.getByRole('img', { name: 'Page 2 of 2' })).toBeVisible()
  await expectAccessible(page)

  // Replace the PDF: the new file is attached and the old one gone, in one batch.
  await edit.getByRole('tab', { name: 'Files' }).click()
  const replacement = pdfFile({ drawn: true, pages: 3 })
  const chooserOpened = page.waitForEvent('filechooser')
  await edit.getByRole('button', { name: 'Replace Halves worksheet.pdf' }).click()
  await (await chooserOpened).setFiles({ name: 'Halves v2.pdf', mimeType: 'application/pdf', buffer: replacement })
  await expect(edit.getByRole('button', { name: 'Remove Halves v2.pdf' })).toBeVisible()
  await expect(edit.getByRole('button', { name: 'Remove Halves worksheet.pdf' })).toHaveCount(0)
  const doc = nodeIdOf(root, 'Halves worksheet')
  expect(python(`from contentcuration.models import File; print([(f.preset_id, f.checksum) for f in File.objects.filter(contentnode_id='${doc}')])`)).toBe(
    `[('document', '${createHash('md5').update(replacement).digest('hex')}')]`,
  )
  await edit.getByRole('tab', { name: 'Preview' }).click()
  await expect(edit.getByRole('img', { name: 'Page 1 of 3' })).toBeVisible()

  // Remove it: the resource says it needs a file, on the panel and through the API.
  await edit.getByRole('tab', { name: 'Files' }).click()
  await edit.getByRole('button', { name: 'Remove Halves v2.pdf' }).click()
  await expect(edit.getByText('No file yet')).toBeVisible()
  await expect.poll(async () => ((await (await page.request.get(`/api/contentnode/${doc}`)).json()) as { complete: boolean }).complete).toBe(false)
  expect(python(`from contentcuration.models import File; print(File.objects.filter(contentnode_id='${doc}').count())`)).toBe('0')

  // HTML5: the app runs in a sandboxed frame from /zipcontent, without the curator's cookies.
  await row(page, 'Fraction pie').getByRole('link', { name: 'Fraction pie' }).click()
  await edit.getByRole('tab', { name: 'Preview' }).click()
  const frame = edit.locator('iframe[title="Preview of Fraction pie"]')
  await expect(frame).toHaveAttribute('sandbox', 'allow-scripts allow-forms allow-popups')
  await expect(frame).toHaveAttribute('src', /^\/zipcontent\/[0-9a-f]{32}\.zip\/$/)
  const app = page.frameLocator('iframe[title="Preview of Fraction pie"]')
  await expect(app.getByRole('heading', { name: 'Fraction pie' })).toBeVisible()
  await expect(app.locator('body')).toHaveAttribute('data-origin', 'opaque') // its script ran, in no origin of ours

  // Its thumbnail from the picture inside the zip (the server lists it; the browser crops it).
  await edit.getByRole('tab', { name: 'Files' }).click()
  await edit.getByRole('button', { name: 'From a picture in the file' }).click()
  const appThumbnail = row(page, 'Fraction pie').getByRole('img', { name: 'Thumbnail of Fraction pie' })
  await expect(appThumbnail).toBeVisible({ timeout: 20_000 })
  const green = await pixelOf(appThumbnail)
  expect(green).toEqual([0, 160, 0, 255])

  // Video: a thumbnail from a frame, shown on the row.
  await row(page, 'Clip').getByRole('link', { name: 'Clip' }).click()
  await edit.getByRole('tab', { name: 'Files' }).click()
  await edit.getByRole('button', { name: 'From a video frame' }).click()
  await expect(row(page, 'Clip').getByRole('img', { name: 'Thumbnail of Clip' })).toBeVisible({ timeout: 20_000 })
  const clip = nodeIdOf(root, 'Clip')
  expect(python(`from contentcuration.models import File; print([f.preset_id for f in File.objects.filter(contentnode_id='${clip}', preset__thumbnail=True)])`)).toBe(
    "['video_thumbnail']",
  )
})
