/** What the browser tests share: accounts and channels made on the server, the mail outbox,
 * signing in through the page, and the accessibility check. */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { expect, type Locator, type Page } from '@playwright/test'
import { manage, serverState } from './server'

let counter = 0

/** An e-mail address no other test uses. */
export function uniqueEmail(prefix = 'curator'): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`
}

export function createUser(
  email: string,
  password: string,
  options: { firstName?: string; lastName?: string; inactive?: boolean } = {},
): { id: number; email: string } {
  const args = ['create_user', email, password, '--first-name', options.firstName ?? 'Test', '--last-name', options.lastName ?? 'Curator']
  if (options.inactive) args.push('--inactive')
  return JSON.parse(manage(args)) as { id: number; email: string }
}

export function createChannel(owner: string, name: string, options: { language?: string; description?: string } = {}) {
  const args = ['create_channel', '--owner', owner, '--name', name, '--description', options.description ?? '']
  if (options.language) args.push('--language', options.language)
  return JSON.parse(manage(args)) as { id: string; name: string }
}

export interface Mail {
  to: string
  subject: string
  body: string
}

/** Every message the server sent so far (Django's file-based e-mail backend). */
export function readOutbox(): Mail[] {
  const dir = serverState().mailDir
  const messages: Mail[] = []
  for (const file of readdirSync(dir).sort()) {
    for (const raw of readFileSync(path.join(dir, file), 'utf-8').split(/\n-{79}\n/)) {
      const to = raw.match(/^To: (.*)$/m)?.[1]?.trim()
      if (!to) continue
      const subject = raw.match(/^Subject: (.*)$/m)?.[1]?.trim() ?? ''
      const bodyStart = raw.indexOf('\n\n')
      messages.push({ to, subject, body: bodyStart >= 0 ? raw.slice(bodyStart + 2) : '' })
    }
  }
  return messages
}

/** The newest message to `to` whose subject contains `subject`, waiting for it to arrive. */
export async function waitForMail(to: string, subject: string): Promise<Mail> {
  let found: Mail | undefined
  await expect
    .poll(() => {
      found = readOutbox()
        .filter((mail) => mail.to === to && mail.subject.includes(subject))
        .at(-1)
      return found !== undefined
    })
    .toBe(true)
  return found!
}

/** The first http(s) link of a message, as a path (the page's base URL is the live server). */
export function linkIn(mail: Mail): string {
  const url = mail.body.match(/https?:\/\/\S+/)?.[0]
  if (!url) throw new Error(`No link in: ${mail.body}`)
  const parsed = new URL(url)
  return parsed.pathname + parsed.search
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/accounts/login/')
  await page.getByRole('textbox', { name: 'Email' }).fill(email)
  await page.getByRole('textbox', { name: 'Password' }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** axe-core: no serious or critical violations on the page as it is now, once its
 * transitions have finished (a dialog fading in has, for a moment, too little contrast). */
export async function expectAccessible(page: Page, options: { exclude?: string[] } = {}): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
  const builder = new AxeBuilder({ page })
  // `exclude`: e.g. a frame sandboxed without scripts (an EPUB's pages), where axe's run
  // never finishes; what is inside is the book's own, not the app's.
  for (const selector of options.exclude ?? []) builder.exclude(selector)
  const results = await builder.analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
}

/** Run Python in the live server's Django (manage.py shell); returns its last printed line. */
export function python(code: string): string {
  return manage(['shell', '-c', code]).trim().split('\n').at(-1)!.trim()
}

/** A new curator (e-mail from `prefix`) signed in, with a new channel named `name`: its id and root folder's. */
export async function signedInOnNewChannel(page: Page, name: string, prefix: string, password: string): Promise<{ channelId: string; root: string }> {
  const email = uniqueEmail(prefix)
  createUser(email, password)
  const channel = createChannel(email, name)
  await signIn(page, email, password)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { channelId: channel.id, root: rootOf(channel.id) }
}

/** A media file built by contentcuration/tests/media_fixtures.py, e.g. `webm(milliseconds=12000)`
 * or `h5p(text="Hello")`: the pytest suite's builders, so no binary fixture is committed. */
export function mediaFixture(call: string): Buffer {
  return Buffer.from(python(`import base64; from contentcuration.tests import media_fixtures as m; print(base64.b64encode(m.${call}).decode())`), 'base64')
}

/** A 64×36 PNG drawn in the page: vertical bands of the given colours, of equal width, left to right. */
export async function drawnPng(page: Page, bands: string[]): Promise<Buffer> {
  const base64 = await page.evaluate((colours: string[]) => {
    const canvas = document.createElement('canvas')
    canvas.width = 64
    canvas.height = 36
    const context = canvas.getContext('2d')!
    colours.forEach((colour, i) => {
      context.fillStyle = colour
      context.fillRect((i * 64) / colours.length, 0, 64 / colours.length, 36)
    })
    return canvas.toDataURL('image/png').split(',')[1]!
  }, bands)
  return Buffer.from(base64, 'base64')
}

/** The RGBA of one pixel of an image, at column `x` (its middle by default), half-way down. */
export async function pixelOf(img: Locator, x?: number): Promise<number[]> {
  return img.evaluate(async (image: HTMLImageElement, at: number | null) => {
    await image.decode()
    const canvas = document.createElement('canvas')
    canvas.width = image.naturalWidth
    canvas.height = image.naturalHeight
    const context = canvas.getContext('2d')!
    context.drawImage(image, 0, 0)
    return Array.from(context.getImageData(at ?? canvas.width / 2, canvas.height / 2, 1, 1).data)
  }, x ?? null)
}

/** Upload files through Add → Upload files in the open folder and wait until each became a resource. */
export async function uploadFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const chooserOpened = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menuitem', { name: 'Upload files' }).click()
  await (await chooserOpened).setFiles(files)
  const dialog = page.getByRole('dialog', { name: 'Upload files' })
  for (const file of files) await expect(dialog.getByRole('listitem', { name: file.name, exact: true })).toContainText('Added', { timeout: 30_000 })
  await dialog.getByRole('button', { name: 'Close' }).click()
}

export interface NodeSpec {
  title: string
  kind?: string
  description?: string
}

/** Nodes made on the server as last children of `parentId` (one batch, through the tree
 * package as a chef upload makes them); returns their ids in order. `count` repeats `spec`
 * with "<title> <n>" titles (n from 1). */
export function addChildren(parentId: string, specs: NodeSpec[] | { spec: NodeSpec; count: number }): string[] {
  const list = Array.isArray(specs) ? specs : null
  const code = [
    'import json',
    'from contentcuration import tree',
    'from contentcuration.models import ContentNode',
    `specs = json.loads(${JSON.stringify(JSON.stringify(list))})`,
    list
      ? ''
      : `specs = [dict(json.loads(${JSON.stringify(JSON.stringify((specs as { spec: NodeSpec }).spec))}), title=f"${(specs as { spec: NodeSpec }).spec.title} {i}") for i in range(1, ${(specs as { count: number }).count + 1})]`,
    'made = [ContentNode(kind_id=s.get("kind") or "topic", title=s["title"], description=s.get("description") or "", ' +
      'license_id=None if (s.get("kind") or "topic") == "topic" else 1, copyright_holder="Tests") for s in specs]',
    `tree.insert_nodes(nodes=made, target="${parentId}")`,
    'print(json.dumps([n.pk for n in made]))',
  ].join('\n')
  return JSON.parse(python(code)) as string[]
}

/** The channel's main tree root id. */
export function rootOf(channelId: string): string {
  return python(`from contentcuration.models import Channel; print(Channel.objects.get(pk='${channelId}').main_tree_id)`)
}
