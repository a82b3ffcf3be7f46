/**
 * Publishing from the editor (issue 15): the Publish dialog lists the incomplete resources
 * with the server's reasons and links into the editor, shows the job's progress, then the new
 * version and the channel token, or the failure's message with Publish enabled again; the
 * Review changes page; version history and differences. Real server and Celery worker.
 */
import { expect, test, type Page } from '@playwright/test'
import { createUser, expectAccessible, python, signIn, uniqueEmail } from './helpers'
import { manage } from './server'

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

test('acceptance 3: the incomplete resource is listed with its reason and link; fixed, the channel publishes with progress, version 1 and a token', async ({
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
  await dialog(page).getByRole('button', { name: 'Publish channel' }).click()
  await expect(dialog(page).getByRole('progressbar')).toBeVisible()
  await expect(dialog(page).getByText('Published', { exact: true })).toBeVisible({ timeout: 60_000 })
  await expect(dialog(page).getByText('Version 1 is published.')).toBeVisible()
  const token = await dialog(page).getByRole('textbox', { name: 'Channel token' }).inputValue()
  expect(token.replace('-', '')).toMatch(/^[a-z0-9]{6,}$/)
  await expectAccessible(page)
  const version = python(`from contentcuration.models import Channel; print(Channel.objects.get(pk="${ids.channel}").version)`)
  expect(version).toBe('1')
})

test('acceptance 4: an injected publish failure shows its message and Publish channel is enabled again', async ({ page }) => {
  const ids = await curatorWithSampleChannel(page, 'Failing publish')
  python(`from contentcuration.models import ContentNode; ContentNode.objects.filter(pk="${ids.video}").update(title="A video", complete=True)`)
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
