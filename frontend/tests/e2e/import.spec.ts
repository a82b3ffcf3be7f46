/**
 * Import from channels (issue 15, acceptance 1, 2 and the import part of 8): search the public
 * channels, pick results and a browsed folder, review, Import; the copies show as copying and
 * settle without a reload, an injected copy failure offers Retry. Saved searches are saved,
 * listed and deleted. Real server and worker; data made on the server.
 */
import { expect, test, type Page } from '@playwright/test'
import { addChildren, createChannel, createUser, expectAccessible, python, rootOf, signIn, uniqueEmail } from './helpers'
import { manage } from './server'

const PASSWORD = 'a-long-password-1'

/** A public channel (the catalog lists public, non-deleted channels) with fraction exercises,
 * a fraction video and a folder of two games. Titles carry `tag`: other tests' channels may
 * match "fractions" too. */
function publicChannel(tag: string) {
  const ownerEmail = uniqueEmail('publisher')
  createUser(ownerEmail, PASSWORD)
  const channel = createChannel(ownerEmail, `Open maths ${tag}`, { language: 'en' })
  const root = rootOf(channel.id)
  const [folder] = addChildren(root, [
    { title: `Games ${tag}` },
    { title: `Adding fractions ${tag}`, kind: 'exercise' },
    { title: `Comparing fractions ${tag}`, kind: 'exercise', description: 'Which is larger?' },
    { title: `Fractions explained ${tag}`, kind: 'video' },
  ])
  addChildren(folder!, [
    { title: `Pizza slices ${tag}`, kind: 'exercise' },
    { title: `Cake party ${tag}`, kind: 'exercise' },
  ])
  python(`from contentcuration.models import Channel; Channel.objects.filter(pk='${channel.id}').update(public=True)`)
  return channel
}

async function curator(page: Page) {
  const email = uniqueEmail('importer')
  const user = createUser(email, PASSWORD)
  const channel = createChannel(email, 'My course', { language: 'en' })
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${channel.id}/`)
  await expect(page.getByRole('heading', { name: 'My course' })).toBeVisible()
  return { user, channel, root: rootOf(channel.id) }
}

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Import from channels' })
const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })

async function openImport(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await page.getByRole('menuitem', { name: 'Import from channels' }).click()
  await expect(dialog(page)).toBeVisible()
}

async function searchPublic(page: Page, words: string, kind?: string): Promise<void> {
  const d = dialog(page)
  await d.getByRole('tab', { name: 'Public' }).click()
  await d.getByRole('searchbox', { name: 'Search' }).fill(words)
  if (kind) {
    await d.getByRole('combobox', { name: 'Kind' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('option', { name: kind, exact: true }).click()
    await page.keyboard.press('Escape')
  }
  await d.getByRole('button', { name: 'Search', exact: true }).click()
}

test('import: search Public for exercises, pick two and a browsed folder, review, Import; a failed copy is retried', async ({ page }) => {
  test.setTimeout(180_000) // a long journey with four accessibility checks, on a shared 2-core machine
  const tag = Date.now().toString(36)
  const source = publicChannel(tag)
  const { channel, root } = await curator(page)

  await openImport(page)
  await expectAccessible(page)
  await searchPublic(page, 'fractions', 'Exercise')
  const results = dialog(page).getByRole('list', { name: 'Results for “fractions”' })
  await expect(results.getByRole('listitem', { name: `Adding fractions ${tag}` })).toBeVisible()
  await expect(results.getByRole('listitem', { name: `Comparing fractions ${tag}` })).toBeVisible()
  await expect(results.getByRole('listitem', { name: `Fractions explained ${tag}` })).toHaveCount(0) // a video
  await expectAccessible(page)

  // The preview drawer.
  await results.getByRole('button', { name: `Preview Comparing fractions ${tag}` }).click()
  const preview = dialog(page).getByRole('region', { name: 'Preview' })
  await expect(preview).toContainText(`Comparing fractions ${tag}`)
  await expect(preview).toContainText('Which is larger?')
  await expect(preview).toContainText(`Open maths ${tag}`)
  await expectAccessible(page)
  await preview.getByRole('button', { name: 'Close preview' }).click()

  await results.getByRole('checkbox', { name: `Select Adding fractions ${tag}` }).check()
  await results.getByRole('checkbox', { name: `Select Comparing fractions ${tag}` }).check()

  // A folder from a browsed channel.
  await dialog(page).getByRole('button', { name: 'Clear search' }).click()
  await dialog(page).getByRole('button', { name: `Open maths ${tag}` }).click()
  const top = dialog(page).getByRole('list', { name: `Contents of Open maths ${tag}` })
  await top.getByRole('checkbox', { name: `Select Games ${tag}` }).check()
  await expect(dialog(page).getByText('3 selected')).toBeVisible()

  // Review: three items, their counts and size.
  await dialog(page).getByRole('button', { name: 'Review selection' }).click()
  const picked = dialog(page).getByRole('list', { name: 'Selected items' })
  await expect(picked.getByRole('listitem')).toHaveCount(3)
  await expect(dialog(page).getByRole('status')).toHaveText(/3 items · 4 resources · 1 folder · .+ in total/)
  await expectAccessible(page)

  // Import, with the first copy failing on the server and the sync request held until the
  // rows have been seen as copying.
  manage(['inject_fault', 'copy'])
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  await page.route('**/api/sync/', async (route) => {
    const body = route.request().postDataJSON() as { changes?: { type: number }[] }
    if (body.changes?.some((change) => change.type === 5)) await held
    // The client may have given up on a held request and sent it again meanwhile.
    await route.continue().catch(() => undefined)
  })
  await dialog(page).getByRole('button', { name: 'Import', exact: true }).click()
  await expect(dialog(page)).toBeHidden()
  for (const title of [`Adding fractions ${tag}`, `Comparing fractions ${tag}`, `Games ${tag}`]) {
    await expect(row(page, title)).toHaveAttribute('data-copying', 'copying')
    await expect(row(page, title)).toContainText('Copying…')
  }
  release()
  await page.unroute('**/api/sync/')

  // The injected failure: its reason and Retry; the two others settle.
  const failed = row(page, `Adding fractions ${tag}`)
  await expect(failed).toHaveAttribute('data-copying', 'failed')
  await expect(failed).toContainText('Copy failed')
  for (const title of [`Comparing fractions ${tag}`, `Games ${tag}`]) {
    await expect(row(page, title)).not.toHaveAttribute('data-copying', /.+/)
    await expect(row(page, title).getByRole('link', { name: title })).toBeVisible()
  }
  await expect(row(page, `Games ${tag}`)).toContainText('2 resources')
  await failed.getByRole('button', { name: `Retry copying Adding fractions ${tag}` }).click()
  await expect(failed).not.toHaveAttribute('data-copying', /.+/)
  await expect(failed.getByRole('link', { name: `Adding fractions ${tag}` })).toBeVisible()

  // The server holds the three copies (and the folder's two children) under the root.
  const copied = python(
    [
      'import json',
      'from contentcuration.models import ContentNode',
      `top = ContentNode.objects.filter(parent_id='${root}').order_by('lft')`,
      `games = top.get(title='Games ${tag}')`,
      'print(json.dumps([[n.title for n in top], ContentNode.objects.filter(parent_id=games.pk).count()]))',
    ].join('\n'),
  )
  const [titles, inGames] = JSON.parse(copied) as [string[], number]
  expect([...titles].sort()).toEqual([`Adding fractions ${tag}`, `Comparing fractions ${tag}`, `Games ${tag}`].sort())
  expect(inGames).toBe(2)
  const sources = python(`from contentcuration.models import ContentNode; print(ContentNode.objects.filter(tree_id__in=[ContentNode.objects.get(pk='${rootOf(source.id)}').tree_id]).count())`)
  expect(Number(sources)).toBe(7) // the sources are untouched (root + 6)

  // Nothing was reloaded; and the imported nodes are now marked in the dialog, not blocked.
  await openImport(page)
  await searchPublic(page, 'fractions', 'Exercise')
  const again = dialog(page).getByRole('list', { name: 'Results for “fractions”' })
  const adding = again.getByRole('listitem', { name: `Adding fractions ${tag}` })
  await expect(adding).toContainText('Already in this channel')
  await expect(adding.getByRole('checkbox', { name: `Select Adding fractions ${tag}` })).toBeEnabled()
  expect(channel.id).toBeTruthy()
})

test('a search is saved, listed under saved searches, and deleted', async ({ page }) => {
  test.setTimeout(120_000)
  const tag = Date.now().toString(36)
  publicChannel(tag)
  const { user } = await curator(page)
  const savedIn = () =>
    JSON.parse(
      python(
        `import json; from contentcuration.models import SavedSearch; print(json.dumps([[s.name, s.params] for s in SavedSearch.objects.filter(saved_by_id=${user.id})]))`,
      ),
    ) as [string, Record<string, unknown>][]

  await openImport(page)
  await searchPublic(page, `fractions ${tag}`, 'Exercise')
  await expect(dialog(page).getByRole('listitem', { name: `Adding fractions ${tag}` })).toBeVisible()
  await dialog(page).getByRole('button', { name: 'Save search' }).click()
  const list = dialog(page).getByRole('list', { name: 'Saved searches' })
  await expect(list.getByRole('listitem', { name: `fractions ${tag}` })).toBeVisible()
  await expect(dialog(page).getByRole('status').filter({ hasText: 'saved' })).toBeVisible()
  expect(savedIn()).toEqual([[`fractions ${tag}`, expect.objectContaining({ keywords: `fractions ${tag}`, channelList: 'public', kinds: ['exercise'] })]])
  await expectAccessible(page)

  // Listed after reopening (read from the server), and it runs the search again.
  await dialog(page).getByRole('button', { name: 'Close import' }).click()
  await openImport(page)
  await list.getByRole('button', { name: `fractions ${tag}`, exact: true }).click()
  await expect(dialog(page).getByRole('listitem', { name: `Comparing fractions ${tag}` })).toBeVisible()
  await expect(dialog(page).getByRole('listitem', { name: `Fractions explained ${tag}` })).toHaveCount(0)

  await list.getByRole('button', { name: `Delete saved search fractions ${tag}` }).click()
  await expect(list).toHaveCount(0)
  await expect(dialog(page).getByText('No saved searches yet.')).toBeVisible()
  expect(savedIn()).toEqual([])
})
