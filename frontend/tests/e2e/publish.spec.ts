/**
 * Publishing from the editor (issue 15): the Publish dialog lists the incomplete resources
 * with the server's reasons and links into the editor, shows the job's progress, then the new
 * version and the channel token, or the failure's message with Publish enabled again; the
 * Review changes page; version history and differences. Real server and Celery worker.
 */
import { expect, test, type Page } from '@playwright/test'
import { createUser, expectAccessible, python, signIn, uniqueEmail } from './helpers'
import { importedChannel, kolibriDevice } from './kolibri'
import { manage, serverState } from './server'

const PASSWORD = 'a-long-password-1'

/** The tests' sample channel (every common kind, published as-is) owned by a new curator,
 * with exactly one incomplete resource: the video, whose title is empty. */
async function curatorWithSampleChannel(page: Page, name: string) {
  const email = uniqueEmail('publisher')
  createUser(email, PASSWORD)
  const ids = JSON.parse(
    python(
      [
        'import json',
        'from contentcuration import tree',
        'from contentcuration.models import ContentNode, User',
        'from contentcuration.tests.publishing import build_sample_channel',
        `channel, nodes = build_sample_channel(User.objects.get(email="${email}"), name="${name}")`,
        'tree.delete_subtree(node=nodes["incomplete_topic"].pk)',
        'tree.delete_subtree(node=nodes["incomplete_doc"].pk)',
        'ContentNode.objects.filter(pk=nodes["video"].pk).update(title="", complete=False)',
        'print(json.dumps({"channel": channel.pk, "video": nodes["video"].pk, "document": nodes["document"].pk, ' +
          '"topic": nodes["topic_a"].pk, "html5": nodes["html5"].pk, "audio": nodes["audio"].pk, "root": channel.main_tree_id}))',
      ].join('\n'),
    ),
  ) as Record<string, string>
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return ids
}

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Publish' })

test('acceptance 3: the incomplete resource is listed with its reason and link; fixed, the channel publishes with rising progress, version 1 and a token a Kolibri device imports it by', async ({
  page,
}) => {
  const ids = await curatorWithSampleChannel(page, 'Publishable')
  await page.goto(`/channels/${ids.channel}`)
  await page.getByRole('button', { name: 'Publish', exact: true }).click()
  await expect(dialog(page).getByText('Version 1')).toBeVisible()
  const link = dialog(page).getByRole('listitem').filter({ hasText: 'no title' }).getByRole('link')
  await expect(link).toHaveCount(1)
  await expectAccessible(page)

  await link.click()
  await expect(dialog(page)).toBeHidden()
  await expect(page).toHaveURL(new RegExp(`/channels/${ids.channel}/folders/${ids.topic}/nodes/${ids.video}$`))
  const title = page.getByRole('complementary', { name: 'Edit panel' }).getByRole('textbox', { name: 'Title' })
  await title.fill('A video')
  await title.blur()
  await expect(page.getByRole('status')).toContainText('All changes saved')

  await page.getByRole('button', { name: 'Publish', exact: true }).click()
  await expect(dialog(page).getByText('no title')).toHaveCount(0)
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByRole('textbox', { name: 'Version notes' })).toBeVisible()
  await expect(dialog(page).getByText('Version notes are required.')).toBeVisible()
  await dialog(page).getByRole('textbox', { name: 'Version notes' }).fill('First version')
  // No resource is in the channel's language (en; the only one in a language is in es).
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByText('Choose the channel’s language.')).toBeVisible()
  await dialog(page).getByRole('combobox', { name: 'Channel language' }).click()
  await expect(page.getByRole('option')).toHaveCount(1)
  await page.getByRole('option', { name: 'Español' }).click()
  // The job holds its progress at 1 % and again at the end of its export (88 %) for 4 s each,
  // so that the dialog's readings (one per poll) show it rising.
  manage(['inject_fault', 'publish_pause', '--times', '2', '--message', '4'])
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByRole('progressbar')).toBeVisible()
  const readings: number[] = []
  await expect(async () => {
    const now = await dialog(page).getByRole('progressbar').getAttribute('aria-valuenow', { timeout: 100 }).catch(() => null)
    if (now !== null && Number(now) !== readings.at(-1)) readings.push(Number(now))
    await expect(dialog(page).getByText('Published', { exact: true })).toBeVisible({ timeout: 100 })
  }).toPass({ intervals: [250], timeout: 60_000 })
  const during = readings.filter((value) => value > 0 && value < 100)
  expect(during, `progress readings ${readings.join(', ')}`).toEqual([...during].sort((a, b) => a - b))
  expect(new Set(during).size, `progress readings ${readings.join(', ')}`).toBeGreaterThanOrEqual(2)
  await expect(dialog(page).getByText('Version 1 is published.')).toBeVisible()
  const token = await dialog(page).getByRole('textbox', { name: 'Channel token' }).inputValue()
  expect(token.replace('-', '')).toMatch(/^[a-z0-9]{6,}$/)
  await expectAccessible(page)
  const version = python(`from contentcuration.models import Channel; print(Channel.objects.get(pk="${ids.channel}").version)`)
  expect(version).toBe('1')
  expect(python(`from contentcuration.models import Channel; print(Channel.objects.get(pk="${ids.channel}").language_id)`)).toBe('es')

  // Nothing changed since: Publish is disabled and says why.
  await dialog(page).getByRole('button', { name: 'Close' }).click()
  await expect(page.getByText('No changes since version 1')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Publish', exact: true })).toBeDisabled()

  // A Kolibri 0.19.5 device imports that version from this server by the token just shown.
  test.setTimeout(600_000) // the first run may build Kolibri's virtualenv
  const device = kolibriDevice()
  device.run('importchannel', 'network', token, '--baseurl', serverState().baseURL)
  const imported = importedChannel(device, ids.channel!)
  expect(imported.version).toBe(1)
  expect(imported.titles).toContain('A video')
  expect(imported.titles).toContain('Publishable')
})

test('acceptance 4: an injected publish failure shows its message and Publish channel is enabled again', async ({ page }) => {
  const ids = await curatorWithSampleChannel(page, 'Failing publish')
  python(`from contentcuration.models import ContentNode; ContentNode.objects.filter(pk="${ids.video}").update(title="A video", complete=True, language_id="en")`)
  manage(['inject_fault', 'publish', '--message', 'Disk full on the export volume'])
  await page.goto(`/channels/${ids.channel}`)
  await page.getByRole('button', { name: 'Publish', exact: true }).click()
  await dialog(page).getByRole('textbox', { name: 'Version notes' }).fill('Will fail')
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByRole('alert').filter({ hasText: 'Publishing failed' })).toContainText('Disk full on the export volume', {
    timeout: 60_000,
  })
  await expect(dialog(page).getByRole('button', { name: 'Publish channel' })).toBeEnabled()
  await expectAccessible(page)
  const version = python(`from contentcuration.models import Channel; print(Channel.objects.get(pk="${ids.channel}").version)`)
  expect(version).toBe('0')
})

test('Stop publishing: the job stops, nothing is published, and Publish channel works again', async ({ page }) => {
  const ids = await curatorWithSampleChannel(page, 'Stopped publish')
  python(`from contentcuration.models import ContentNode; ContentNode.objects.filter(pk="${ids.video}").update(title="A video", complete=True, language_id="en")`)
  manage(['inject_fault', 'publish_pause', '--times', '2', '--message', '5']) // time to press Stop
  try {
    await page.goto(`/channels/${ids.channel}`)
    await page.getByRole('button', { name: 'Publish', exact: true }).click()
    await dialog(page).getByRole('textbox', { name: 'Version notes' }).fill('Will be stopped')
    await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
    await expect(dialog(page).getByRole('progressbar')).toBeVisible()
    await dialog(page).getByRole('button', { name: 'Stop publishing' }).click()
    await expect(dialog(page).getByText('Publishing was stopped; nothing was published.')).toBeVisible()
    await expect(dialog(page).getByRole('button', { name: 'Publish channel' })).toBeEnabled()
    // The job ends at its next progress report; the channel is free and still unpublished.
    await expect
      .poll(() => python(`from contentcuration.models import Channel; c = Channel.objects.get(pk="${ids.channel}"); print(c.main_tree.publishing, c.version)`), {
        timeout: 30_000,
      })
      .toBe('False 0')
  } finally {
    manage(['inject_fault', 'publish_pause', '--clear'])
  }
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByText('Version 1 is published.')).toBeVisible({ timeout: 60_000 })
})

const contents = (page: Page) => page.getByRole('list', { name: /^Contents of/ })
const row = (page: Page, title: string) => contents(page).getByRole('listitem', { name: title, exact: true })
const rowMenu = async (page: Page, title: string, item: string) => {
  await row(page, title).getByRole('button', { name: `Options for ${title}` }).click()
  await page.getByRole('menuitem', { name: item }).click()
}

test('acceptances 5 and 7: rename, add, move and delete one each → Review changes lists exactly those; published, the list is empty and version 1 → 2 lists them', async ({
  page,
}) => {
  const ids = await curatorWithSampleChannel(page, 'Reviewed')
  python(
    [
      'from contentcuration.models import Channel, ContentNode',
      'from contentcuration.publish import publish_channel',
      `ContentNode.objects.filter(pk="${ids.video}").update(title="A video", complete=True, language_id="en")`,
      `channel = Channel.objects.get(pk="${ids.channel}")`,
      'publish_channel(channel_id=channel.pk, user=channel.editors.first(), version_notes="First")',
      'print(Channel.objects.get(pk=channel.pk).version)',
    ].join('\n'),
  )
  await page.goto(`/channels/${ids.channel}`)
  await expect(row(page, 'A game')).toBeVisible()
  await expect(page.getByRole('link', { name: /unpublished change/ })).toHaveCount(0)

  await rowMenu(page, 'A game', 'Edit')
  const title = page.getByRole('complementary', { name: 'Edit panel' }).getByRole('textbox', { name: 'Title' })
  await title.fill('A renamed game')
  await title.blur()
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menu').getByRole('menuitem', { name: 'New folder' }).click()
  const folderDialog = page.getByRole('dialog', { name: 'New folder' })
  await folderDialog.getByRole('textbox', { name: 'Title' }).fill('Unit 2')
  await folderDialog.getByRole('button', { name: 'Create' }).click()
  await expect(folderDialog).toBeHidden()
  await rowMenu(page, 'A song', 'Move to…')
  const picker = page.getByRole('dialog', { name: 'Move 1 item to…' })
  await picker.getByRole('treeitem', { name: 'Topic A' }).click()
  await picker.getByRole('button', { name: 'Move here' }).click()
  await expect(row(page, 'A song')).toBeHidden()
  // "Topic A" has metadata of its own, so the move offers to inherit it; this journey declines.
  const offer = page.getByRole('dialog').filter({ hasText: 'The moved items can take on' })
  await offer.getByRole('button', { name: 'Not now' }).click()
  await expect(offer).toBeHidden()
  await rowMenu(page, 'Empty topic', 'Delete')
  await expect(row(page, 'Empty topic')).toBeHidden()
  await expect(page.getByRole('status')).toContainText('All changes saved')

  await page.getByRole('link', { name: '4 unpublished changes' }).click()
  await expect(page.getByRole('heading', { name: 'Review changes' })).toBeVisible()
  await expect(page.getByText('Changes since version 1')).toBeVisible()
  const changes = page.getByRole('list', { name: 'Changes' })
  await expect(changes.getByRole('listitem')).toHaveCount(4)
  const entries = await changes.getByRole('listitem').evaluateAll((items) => items.map((item) => item.textContent?.replace(/\s+/g, ' ').trim() ?? ''))
  const found = (kind: string, name: string) => entries.filter((text) => new RegExp(`^${kind} ?${name} ?\\(`).test(text))
  expect(found('Updated', 'A renamed game')).toHaveLength(1)
  expect(found('Updated', 'A renamed game')[0]).toContain('Changed: title')
  expect(found('Added', 'Unit 2')).toHaveLength(1)
  expect(found('Moved', 'A song')).toHaveLength(1)
  expect(found('Deleted', 'Empty topic')).toHaveLength(1)
  for (const entry of entries) expect(entry).toContain('by Test Curator')
  await expectAccessible(page)

  await page.getByText('Moved (1)').click()
  await expect(changes.getByRole('listitem')).toHaveCount(1)
  await expect(changes.getByRole('listitem')).toContainText('A song')
  await changes.getByRole('link', { name: 'A song' }).click()
  await expect(page).toHaveURL(new RegExp(`/channels/${ids.channel}/folders/${ids.topic}/nodes/${ids.audio}$`))
  await expect(page.getByRole('complementary', { name: 'Edit panel' }).getByRole('textbox', { name: 'Title' })).toHaveValue('A song')

  // A complete document made on the server in "Unit 2" (the editor cannot upload yet): an
  // empty folder is not published, so version 2 gains these two nodes.
  python(
    [
      'from contentcuration.models import ContentNode',
      'from contentcuration.tests.factories import build_tree',
      'from contentcuration.tests.publishing import stored_file',
      `unit = ContentNode.objects.get(parent_id="${ids.root}", title="Unit 2")`,
      '(doc,) = build_tree(unit, [("document", [], {"complete": True, "title": "New doc", "license_id": 1, "copyright_holder": "Q"})])',
      'stored_file(doc, b"%PDF new", "pdf", "document")',
    ].join('\n'),
  )
  await page.getByRole('button', { name: 'Publish', exact: true }).click()
  await dialog(page).getByRole('textbox', { name: 'Version notes' }).fill('Second version')
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByText('Version 2 is published.')).toBeVisible({ timeout: 60_000 })
  await dialog(page).getByRole('link', { name: 'Review changes' }).click()
  await expect(page.getByText('No changes since the last publish.')).toBeVisible()
  await expect(page.getByText('Changes since version 2')).toBeVisible()

  // Version history and the differences between versions 1 and 2.
  await page.goto(`/channels/${ids.channel}`)
  await page.getByRole('button', { name: 'Channel menu' }).click()
  await page.getByRole('link', { name: 'Version history' }).click()
  await expect(page.getByRole('heading', { name: 'Version 2' })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Version 1' })).toBeVisible()
  await expect(page.getByText('Second version')).toBeVisible()
  await page.getByRole('button', { name: 'Show differences' }).click()
  const diff = page.getByRole('list', { name: 'From version 1 to version 2' })
  await expect(diff.getByRole('listitem').first()).toBeVisible()
  const diffEntries = await diff.getByRole('listitem').evaluateAll((items) => items.map((item) => item.textContent?.replace(/\s+/g, ' ').trim() ?? ''))
  const inDiff = (kind: string, name: string) => diffEntries.filter((text) => new RegExp(`^${kind} ?${name} ?\\(`).test(text))
  expect(inDiff('Changed', 'A renamed game')[0]).toContain('Changed: title')
  expect(inDiff('Changed', 'A song')[0]).toContain('parent')
  expect(inDiff('Added', 'Unit 2')).toHaveLength(1)
  expect(inDiff('Added', 'New doc')).toHaveLength(1)
  expect(diffEntries).toHaveLength(4)
  await expectAccessible(page)
})

test('acceptance 6: Sync resources after the source channel renamed a resource → the report lists it, kept for later reading', async ({ page }) => {
  const email = uniqueEmail('syncer')
  createUser(email, PASSWORD)
  const ids = JSON.parse(
    python(
      [
        'import json',
        'from contentcuration import tree',
        'from contentcuration.models import ContentNode, User',
        'from contentcuration.tests.factories import make_channel',
        'from contentcuration.tests.publishing import build_sample_channel',
        `owner = User.objects.get(email="${email}")`,
        'source, nodes = build_sample_channel(owner, name="Source channel")',
        'target = make_channel(owner=owner, name="Importing channel", language_id="en")',
        'tree.copy_subtree(source=nodes["topic_a"], target=target.main_tree)',
        'ContentNode.objects.filter(tree_id=target.main_tree.tree_id, parent__isnull=False).update(changed=False)',
        'ContentNode.objects.filter(pk=nodes["video"].pk).update(title="A video (renamed)")',
        'copy = ContentNode.objects.get(tree_id=target.main_tree.tree_id, title="A video")',
        'print(json.dumps({"channel": target.pk, "video": copy.pk, "folder": copy.parent_id}))',
      ].join('\n'),
    ),
  ) as Record<string, string>
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  await page.goto(`/channels/${ids.channel}`)
  await page.getByRole('button', { name: 'Channel menu' }).click()
  await page.getByRole('menuitem', { name: 'Sync resources' }).click()
  const sync = page.getByRole('dialog', { name: 'Sync resources' })
  await expect(sync.getByRole('checkbox', { name: 'Titles and descriptions' })).toBeChecked()
  await sync.getByRole('checkbox', { name: 'Files' }).check()
  await expectAccessible(page)
  await sync.getByRole('button', { name: 'Sync', exact: true }).click()
  const report = sync.getByRole('list', { name: 'Sync report' })
  await expect(report.getByRole('listitem')).toHaveCount(1, { timeout: 60_000 })
  await expect(report.getByRole('listitem')).toContainText('A video (renamed)')
  await expect(report.getByRole('listitem')).toContainText('Changed: title')
  await expect(sync).toContainText('1 resource changed')

  await sync.getByRole('link', { name: 'All sync reports' }).click()
  await expect(page.getByRole('heading', { name: 'Sync reports' })).toBeVisible()
  await expect(page.getByRole('list', { name: 'Sync report' }).getByRole('listitem')).toContainText('A video (renamed)')
  await expectAccessible(page)
  await page.getByRole('link', { name: 'A video (renamed)' }).click()
  await expect(page).toHaveURL(new RegExp(`/channels/${ids.channel}/folders/${ids.folder}/nodes/${ids.video}$`))
})
