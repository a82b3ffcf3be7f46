/**
 * The channel editor's edit panel (issue 13, "Edit panel"): every field of a resource, a
 * folder's subset, saving as you type, the server's incomplete reasons; bulk edit with "Mixed"
 * (acceptance 5); "Apply to all descendants" as one UPDATED_DESCENDANTS change (acceptance 6);
 * inheriting a folder's metadata after a move (acceptance 4); content defaults on a new folder.
 * Real server and worker; every outcome checked through the API.
 */
import { expect, test, type Page, type Request } from '@playwright/test'
import { addChildren, createChannel, createUser, expectAccessible, python, rootOf, signIn, uniqueEmail } from './helpers'

const PASSWORD = 'a-long-password-1'
const MATHS = 'd&WXdXWF.qs0Xlaxq' // le-utils subjects.MATHEMATICS

async function curatorWithChannel(page: Page, name: string) {
  const email = uniqueEmail('panel')
  createUser(email, PASSWORD)
  const channel = createChannel(email, name, { language: 'fr' })
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { email, channel, root: rootOf(channel.id) }
}

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const panel = (page: Page) => page.getByRole('complementary', { name: 'Edit panel' })
const saved = (page: Page) => expect(page.getByRole('status')).toHaveText(/All changes saved/, { timeout: 15_000 })

/** Give resources a main file (a document's PDF), so only their metadata decides completeness. */
function withFiles(ids: string[]): void {
  python(
    [
      'from contentcuration.models import ContentNode, File',
      'from contentcuration.nodes.completeness import refresh_completeness',
      `ids = ${JSON.stringify(ids)}`,
      'File.objects.bulk_create([File(contentnode_id=i, preset_id="document", file_format_id="pdf", checksum=f"{n:032x}", file_size=10) for n, i in enumerate(ids)])',
      'refresh_completeness(node_ids=ids)',
      'print("ok")',
    ].join('\n'),
  )
}

/** The nodes as the API gives them to this browser's session. */
async function nodesFromApi(page: Page, ids: string[]): Promise<Record<string, unknown>[]> {
  const response = await page.request.get(`/api/contentnode?id__in=${ids.join(',')}`)
  expect(response.ok()).toBe(true)
  return (await response.json()) as Record<string, unknown>[]
}

function licenseId(name: string): number {
  return Number(python(`from contentcuration.models import License; print(License.objects.get(license_name='${name}').pk)`))
}

/** Pick an option of a Vuetify select / autocomplete by its label. */
async function pick(page: Page, label: string, option: string, type = false): Promise<void> {
  const box = panel(page).getByRole('combobox', { name: label })
  await box.focus()
  if (type) await page.keyboard.type(option.slice(0, 5))
  else await page.keyboard.press('Enter')
  await page.getByRole('option', { name: option, exact: true }).click()
  await page.keyboard.press('Escape')
}

test('the edit panel shows every field of a resource and the server’s reasons, and saves as you type', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Panel fields')
  const [doc] = addChildren(root, [{ title: 'Fractions', kind: 'document' }])
  const [folder] = addChildren(root, [{ title: 'Unit 1' }])
  python(`from contentcuration.models import ContentNode; ContentNode.objects.filter(pk='${doc}').update(license_id=None, copyright_holder='')`)
  python(`from contentcuration.nodes.completeness import refresh_completeness; refresh_completeness(node_ids=['${doc}']); print('ok')`)

  await page.goto(`/channels/${channel.id}/folders/${root}/nodes/${doc}`)
  const edit = panel(page)
  await expect(edit.getByRole('textbox', { name: 'Title' })).toHaveValue('Fractions')
  for (const name of ['Learning activity', 'Levels', 'Learner needs', 'Categories', 'Accessibility', 'Tags', 'Language', 'Visible to', 'License', 'Completion']) {
    await expect(edit.getByRole('combobox', { name })).toBeVisible()
  }
  for (const name of ['Description', 'Copyright holder', 'Author', 'Provider', 'Aggregator']) await expect(edit.getByRole('textbox', { name })).toBeVisible()
  await expect(edit.getByRole('checkbox', { name: 'For beginners' })).toBeVisible()
  await expect(edit.getByRole('spinbutton', { name: 'Suggested duration (minutes)' })).toBeVisible()
  await expect(edit.getByRole('switch', { name: 'Randomize question order' })).toHaveCount(0)
  await expect(edit).toContainText('Incomplete: a license, a file')
  await expectAccessible(page)

  // Typing saves after a pause, without leaving the field.
  await edit.getByRole('textbox', { name: 'Author' }).pressSequentially('Ada Lovelace')
  await expect.poll(async () => (await nodesFromApi(page, [doc!]))[0]!.author, { timeout: 10_000 }).toBe('Ada Lovelace')
  await expect(edit.getByRole('textbox', { name: 'Author' })).toBeFocused()

  await pick(page, 'License', 'CC BY')
  await pick(page, 'Categories', 'Mathematics', true)
  await edit.getByRole('checkbox', { name: 'For beginners' }).check()
  await edit.getByRole('spinbutton', { name: 'Suggested duration (minutes)' }).fill('12')
  await pick(page, 'Completion', 'When pages are viewed')
  await saved(page)
  await expect
    .poll(async () => {
      const [node] = await nodesFromApi(page, [doc!])
      return [node!.license, (node!.categories as Record<string, boolean>)[MATHS], node!.suggested_duration, node!.incomplete_reasons]
    })
    .toEqual([licenseId('CC BY'), true, 720, ['copyright_holder', 'file', 'completion_criteria']])
  await expect(edit).toContainText('Incomplete: a copyright holder, a file, valid completion criteria')
  const [node] = await nodesFromApi(page, [doc!])
  expect((node!.learner_needs as Record<string, boolean>)['sccgQZDd.sAQsauuo']).toBe(true)
  expect((node!.extra_fields as { options: { completion_criteria: { model: string } } }).options.completion_criteria.model).toBe('pages')

  // A folder has its subset: no license, no completion.
  await page.goto(`/channels/${channel.id}/folders/${root}/nodes/${folder}`)
  await expect(edit.getByRole('textbox', { name: 'Title' })).toHaveValue('Unit 1')
  await expect(edit.getByRole('combobox', { name: 'Categories' })).toBeVisible()
  await expect(edit.getByRole('combobox', { name: 'License' })).toHaveCount(0)
  await expect(edit.getByRole('combobox', { name: 'Completion' })).toHaveCount(0)
})

test('acceptance 5: select 5 resources → Edit → license CC BY-SA and copyright holder “Org” → all 5 have it, none incomplete', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Bulk')
  const ids = addChildren(root, { spec: { title: 'Sheet', kind: 'document' }, count: 5 })
  // Different licenses and holders: the panel shows "Mixed" for both.
  python(
    `from contentcuration.models import ContentNode, License; ` +
      `ContentNode.objects.filter(pk__in=${JSON.stringify(ids.slice(0, 2))}).update(license_id=License.objects.get(license_name='CC BY').pk, copyright_holder='Someone'); ` +
      `ContentNode.objects.filter(pk__in=${JSON.stringify(ids.slice(2))}).update(license_id=None, copyright_holder='')`,
  )
  withFiles(ids)
  await page.goto(`/channels/${channel.id}`)
  for (let i = 1; i <= 5; i += 1) await row(page, `Sheet ${i}`).getByRole('checkbox', { name: `Select Sheet ${i}` }).click()
  await page.getByRole('button', { name: 'Edit selected' }).click()
  const edit = panel(page)
  await expect(edit.getByRole('heading', { name: 'Edit 5 items' })).toBeVisible()
  await expect(edit.getByRole('textbox', { name: 'Title' })).toHaveCount(0)
  await expect(edit.getByRole('textbox', { name: 'Copyright holder' })).toHaveAttribute('placeholder', 'Mixed')
  await expect(edit.getByRole('combobox', { name: 'License' })).toHaveAttribute('placeholder', 'Mixed')
  await expect(edit).toContainText('3 of 5 items are incomplete')
  await expect(edit.getByRole('textbox', { name: 'Author' })).not.toHaveAttribute('placeholder', 'Mixed')
  await expectAccessible(page)

  await pick(page, 'License', 'CC BY-SA')
  await edit.getByRole('textbox', { name: 'Copyright holder' }).pressSequentially('Org')
  await saved(page)
  await expect
    .poll(async () => (await nodesFromApi(page, ids)).map((n) => [n.license, n.copyright_holder, n.complete]))
    .toEqual(ids.map(() => [licenseId('CC BY-SA'), 'Org', true]))
  await expect(edit).not.toContainText('incomplete')

  // A label field says what a bulk edit does.
  await pick(page, 'Categories', 'Mathematics', true)
  await expect(edit).toContainText('Added Mathematics to 5 items.')
  await expect
    .poll(async () => (await nodesFromApi(page, ids)).map((n) => [(n.categories as Record<string, boolean>)[MATHS] ?? false, n.author || '']))
    .toEqual(ids.map(() => [true, '']))
})

test('acceptance 6: categories Mathematics on “Unit 1” applied to all descendants: one UPDATED_DESCENDANTS change', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Descendants')
  const [unit] = addChildren(root, [{ title: 'Unit 1' }])
  const [lesson, ...resources] = addChildren(unit!, [{ title: 'Lesson 1' }, { title: 'Intro', kind: 'document' }])
  const deep = addChildren(lesson!, { spec: { title: 'Page', kind: 'document' }, count: 3 })
  const descendants = [lesson!, ...resources, ...deep]

  const descendantChanges: unknown[] = []
  page.on('request', (request: Request) => {
    if (!request.url().includes('/api/sync') || request.method() !== 'POST') return
    const body = request.postDataJSON() as { changes: { type: number }[] }
    descendantChanges.push(...body.changes.filter((c) => c.type === 9))
  })

  await page.goto(`/channels/${channel.id}/folders/${root}/nodes/${unit}`)
  const edit = panel(page)
  await expect(edit.getByRole('textbox', { name: 'Title' })).toHaveValue('Unit 1')
  await pick(page, 'Categories', 'Mathematics', true)
  await edit.getByRole('button', { name: 'Apply to all descendants…' }).click()
  const dialog = page.getByRole('dialog', { name: /Apply the metadata of “Unit 1”/ })
  await expect(dialog.getByRole('checkbox', { name: 'Categories: Mathematics' })).toBeChecked()
  await expectAccessible(page)
  const sent = page.waitForResponse((r) => r.url().includes('/api/sync') && !!r.request().postData()?.includes('"type":9'))
  await dialog.getByRole('button', { name: 'Apply' }).click()
  expect((await sent).ok()).toBe(true)
  await saved(page)

  await page.reload()
  await expect(edit.getByRole('textbox', { name: 'Title' })).toHaveValue('Unit 1')
  await expect
    .poll(async () => (await nodesFromApi(page, descendants)).map((n) => (n.categories as Record<string, boolean>)[MATHS] ?? false))
    .toEqual(descendants.map(() => true))
  expect(descendantChanges).toHaveLength(1)
  expect(descendantChanges[0]).toMatchObject({ type: 9, key: unit, mods: { [`categories.${MATHS}`]: true } })
})

test('acceptance 4: after Move to… “Lesson 1” the moved resources take on its language', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Inherit')
  const [lesson] = addChildren(root, [{ title: 'Lesson 1' }])
  const moved = addChildren(root, [{ title: 'Song', kind: 'audio' }, { title: 'Film', kind: 'video' }, { title: 'Stays', kind: 'video' }])
  python(`from contentcuration.models import ContentNode; ContentNode.objects.filter(pk='${lesson}').update(language_id='sw')`)

  await page.goto(`/channels/${channel.id}`)
  await row(page, 'Song').getByRole('checkbox', { name: 'Select Song' }).click()
  await row(page, 'Film').getByRole('checkbox', { name: 'Select Film' }).click()
  await page.getByRole('button', { name: 'Move selected…' }).click()
  const picker = page.getByRole('dialog', { name: 'Move 2 items to…' })
  await picker.getByRole('treeitem', { name: 'Lesson 1' }).click()
  await picker.getByRole('button', { name: 'Move here' }).click()

  const offer = page.getByRole('dialog', { name: 'Use the metadata of “Lesson 1”?' })
  await expect(offer.getByRole('checkbox', { name: /^Language: / })).toBeChecked()
  await expectAccessible(page)
  await offer.getByRole('button', { name: 'Apply' }).click()
  await saved(page)
  await expect.poll(async () => (await nodesFromApi(page, moved)).map((n) => [n.title, n.parent, n.language])).toEqual([
    ['Song', lesson, 'sw'],
    ['Film', lesson, 'sw'],
    ['Stays', root, null],
  ])
})

test('a new folder gets the channel’s content defaults that apply to folders', async ({ page }) => {
  const { channel, root } = await curatorWithChannel(page, 'Defaults')
  python(
    `from contentcuration.models import Channel; c = Channel.objects.get(pk='${channel.id}'); ` +
      `c.content_defaults = {**c.content_defaults, 'author': 'Ada', 'provider': 'Maths Inc', 'license': 'CC BY'}; c.save()`,
  )
  await page.goto(`/channels/${channel.id}`)
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menu').getByRole('menuitem', { name: 'New folder' }).click()
  const dialog = page.getByRole('dialog', { name: 'New folder' })
  await dialog.getByRole('textbox', { name: 'Title' }).fill('Unit 1')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await saved(page)
  const made = JSON.parse(
    python(
      `import json; from contentcuration.models import ContentNode; n = ContentNode.objects.get(parent_id='${root}', title='Unit 1'); ` +
        `print(json.dumps([n.author, n.provider, n.license_id]))`,
    ),
  )
  expect(made).toEqual(['Ada', 'Maths Inc', null])
})
