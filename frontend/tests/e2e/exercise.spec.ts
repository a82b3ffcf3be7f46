/**
 * The exercise editor (issue 14, "Exercise editor"; acceptance 6, 7 and its part of 9): a new
 * exercise from the Add menu, a single-choice question with a formula and a pasted PNG, a
 * numeric question with two accepted answers, reordering (buttons, keyboard, drag), a type
 * change that asks and converts the answers, text typed just before the page is closed, and
 * the per-question verdict ("needs a correct answer") with the exercise's completeness.
 * Real server and worker; every outcome checked through the API. What the editor wrote is
 * compared with contentcuration/tests/golden/exercise/editor-rows.json, the rows the server
 * test test_exercise_editor_rows.py publishes (and imports into Kolibri 0.19.5).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { createChannel, createUser, expectAccessible, python, signIn, uniqueEmail } from './helpers'
import { REPO_ROOT } from './server'

const PASSWORD = 'a-long-password-1'
// A 1x1 PNG (the golden files' image): fixed bytes, so its md5 is fixed too.
const PNG_HEX =
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e8e2cd360000000049454e44ae426082'
const PNG_MD5 = '18a6dd2cb18e667a34e2ad0906afe9ce'
const ALT = 'one half drawn as a pie'
const IMAGE = `![${ALT}](\${☣ CONTENTSTORAGE}/PNG_MD5.png)`
const GOLDEN_ROWS = path.join(REPO_ROOT, 'contentcuration/tests/golden/exercise/editor-rows.json')

interface Row {
  assessment_id: string
  type: string
  question: string
  answers: string
  hints: string
  order: number
  problems: string[]
}

async function curatorWithChannel(page: Page, name: string) {
  const email = uniqueEmail('exercise')
  createUser(email, PASSWORD)
  const channel = createChannel(email, name, { language: 'en' })
  await signIn(page, email, PASSWORD)
  await expect(page).not.toHaveURL(/accounts\/login/)
  return { email, channel }
}

const saved = (page: Page) => expect(page.getByRole('status')).toHaveText(/All changes saved/, { timeout: 15_000 })
const editor = (page: Page) => page.getByRole('region', { name: 'Exercise editor' })
const questionList = (page: Page) => editor(page).getByRole('list', { name: 'Questions' })
const question = (page: Page, n: number) => questionList(page).getByRole('listitem').nth(n - 1)
const panel = (page: Page) => page.getByRole('complementary', { name: 'Edit panel' })

async function newExercise(page: Page, channelId: string, title: string): Promise<string> {
  await page.goto(`/channels/${channelId}`)
  await page.getByRole('button', { name: 'Add' }).click()
  await page.getByRole('menuitem', { name: 'New exercise' }).click()
  const dialog = page.getByRole('dialog', { name: 'New exercise' })
  await dialog.getByRole('textbox', { name: 'Title' }).fill(title)
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page).toHaveURL(/\/nodes\/[0-9a-f]{32}\/questions$/)
  await expect(editor(page).getByRole('heading', { name: title, level: 1 })).toBeVisible()
  return page.url().match(/\/nodes\/([0-9a-f]{32})\/questions$/)![1]!
}

async function rowsFromApi(page: Page, nodeId: string): Promise<Row[]> {
  const response = await page.request.get(`/api/assessmentitem?contentnode=${nodeId}`)
  expect(response.ok()).toBe(true)
  return ((await response.json()) as Row[]).sort((a, b) => a.order - b.order)
}

async function nodeFromApi(page: Page, nodeId: string): Promise<{ complete: boolean; incomplete_reasons: string[] }> {
  const response = await page.request.get(`/api/contentnode?id__in=${nodeId}`)
  return ((await response.json()) as { complete: boolean; incomplete_reasons: string[] }[])[0]!
}

/** Paste a PNG into a textarea, as a screenshot pasted from the clipboard arrives. */
async function pastePng(target: Locator): Promise<void> {
  await target.evaluate((el, hex) => {
    const bytes = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)))
    const data = new DataTransfer()
    data.items.add(new File([bytes], 'image.png', { type: 'image/png' }))
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, PNG_HEX)
}

/** Drop a PNG on an element, as a file dragged from the desktop arrives. */
async function dropPng(target: Locator): Promise<void> {
  await target.evaluate((el, hex) => {
    const bytes = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)))
    const data = new DataTransfer()
    data.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }))
    for (const type of ['dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }))
  }, PNG_HEX)
}

/** Pick an option of a Vuetify select by its label. */
async function pickType(page: Page, scope: Locator, option: string): Promise<void> {
  await scope.getByRole('combobox', { name: 'Question type' }).focus()
  await page.keyboard.press('Enter')
  await page.getByRole('option', { name: option, exact: true }).click()
}

async function giveLicense(page: Page): Promise<void> {
  const box = panel(page).getByRole('combobox', { name: 'License' })
  await box.focus()
  await page.keyboard.press('Enter')
  await page.getByRole('option', { name: 'CC BY', exact: true }).click()
  await page.keyboard.press('Escape')
  await panel(page).getByRole('textbox', { name: 'Copyright holder' }).fill('Fractions Inc.')
}

test('Fractions quiz: formula, pasted image, numeric answers, reorder, type change, text kept when the page closes', async ({ page, context }) => {
  test.setTimeout(180_000) // a long journey, with a save and an API check after each step
  const { channel } = await curatorWithChannel(page, 'Fractions')
  const nodeId = await newExercise(page, channel.id, 'Fractions quiz')
  await giveLicense(page)

  // Question 1: single choice with a formula and a pasted PNG, three answers, one correct, a hint.
  await editor(page).getByRole('button', { name: 'New question' }).click()
  const first = question(page, 1)
  await expect(first.getByRole('heading', { name: 'Question 1 of 1 — Single choice' })).toBeVisible()
  const text = first.getByRole('textbox', { name: 'Question', exact: true })
  await text.fill('What is $$\\frac{1}{2}$$ of the pie?')
  await text.press('End')
  await pastePng(text)
  const imageDialog = page.getByRole('dialog', { name: 'Insert an image' })
  await imageDialog.getByRole('textbox', { name: 'Alt text' }).fill(ALT)
  await imageDialog.getByRole('button', { name: 'Insert' }).click()
  await expect(imageDialog).toBeHidden()
  await expect(text).toHaveValue(`What is $$\\frac{1}{2}$$ of the pie?\n\n${IMAGE.replace('PNG_MD5', PNG_MD5)}`)
  // The rendered view: KaTeX's formula and the image from storage.
  const rendered = first.getByRole('group', { name: 'Question as learners see it' })
  await expect(rendered.locator('.katex')).toHaveCount(1)
  await expect(rendered.getByRole('img', { name: ALT })).toHaveAttribute('src', `/content/storage/1/8/${PNG_MD5}.png`)

  await first.getByRole('textbox', { name: 'Answer 1' }).fill('$$\\frac{1}{2}$$')
  for (const [n, answer] of [[2, '$$\\frac{1}{3}$$'], [3, '$$\\frac{2}{3}$$']] as const) {
    await first.getByRole('button', { name: 'Add answer' }).click()
    await first.getByRole('textbox', { name: `Answer ${n}` }).fill(answer)
  }
  await expect(first.getByText('needs a correct answer')).toBeVisible()
  await first.getByRole('radio', { name: 'Correct' }).first().check()
  await expect(first.getByText('needs a correct answer')).toBeHidden()
  await first.getByRole('button', { name: 'Add hint' }).click()
  await first.getByRole('textbox', { name: 'Hint 1' }).fill('Count the **equal** parts.')

  // Question 2: numeric input accepting "0.5" and "1/2" (a new question is single choice: the
  // type change asks first).
  await editor(page).getByRole('button', { name: 'New question' }).click()
  const second = question(page, 2)
  await expect(second.getByRole('heading', { name: 'Question 2 of 2 — Single choice' })).toBeVisible()
  await second.getByRole('textbox', { name: 'Question', exact: true }).fill('Write one half as a number.')
  await pickType(page, second, 'Numeric input')
  const ask = page.getByRole('dialog', { name: 'Change the question type?' })
  await expect(ask).toContainText('Question 2 becomes “Numeric input”')
  await expectAccessible(page)
  await ask.getByRole('button', { name: 'Change type' }).click()
  await expect(second.getByRole('heading', { name: 'Question 2 of 2 — Numeric input' })).toBeVisible()
  await second.getByRole('textbox', { name: 'Answer 1' }).fill('0.5')
  await second.getByRole('button', { name: 'Add answer' }).click()
  await second.getByRole('textbox', { name: 'Answer 2' }).fill('1/2')
  await second.getByRole('button', { name: 'Add hint' }).click()
  await second.getByRole('textbox', { name: 'Hint 1' }).fill('A half of 1.')
  await expectAccessible(page)
  await saved(page)

  let rows = await rowsFromApi(page, nodeId)
  expect(rows.map((r) => [r.type, r.order, r.problems])).toEqual([
    ['single_selection', 1, []],
    ['input_question', 2, []],
  ])
  expect(rows[0]!.question).toBe(`What is $$\\frac{1}{2}$$ of the pie?\n\n${IMAGE.replace('PNG_MD5', PNG_MD5)}`)
  expect(JSON.parse(rows[0]!.answers)).toEqual([
    { answer: '$$\\frac{1}{2}$$', correct: true, order: 1 },
    { answer: '$$\\frac{1}{3}$$', correct: false, order: 2 },
    { answer: '$$\\frac{2}{3}$$', correct: false, order: 3 },
  ])
  expect(JSON.parse(rows[1]!.answers)).toEqual([
    { answer: '0.5', correct: true, order: 1 },
    { answer: '1/2', correct: true, order: 2 },
  ])
  // What the editor wrote is what the server test publishes into Kolibri.
  const golden = JSON.parse(readFileSync(GOLDEN_ROWS, 'utf-8')) as Omit<Row, 'assessment_id' | 'problems'>[]
  expect(rows.map(({ type, question, answers, hints, order }) => ({ type, question, answers, hints, order }))).toEqual(golden)
  // The pasted image is the question's File (preset exercise_image), and the exercise is complete.
  expect(
    python(
      `from contentcuration.models import File; ` +
        `print(list(File.objects.filter(assessment_item__contentnode_id='${nodeId}').values_list('preset_id', 'checksum', 'assessment_item__assessment_id')))`,
    ),
  ).toBe(`[('exercise_image', '${PNG_MD5}', '${rows[0]!.assessment_id}')]`)
  expect(await nodeFromApi(page, nodeId)).toMatchObject({ complete: true, incomplete_reasons: [] })

  // Reorder: the move button, then Alt+↓ on the question, then a drag.
  const [one, two] = [rows[0]!.assessment_id, rows[1]!.assessment_id]
  await question(page, 2).getByRole('button', { name: 'Move question 2 up' }).click()
  await expect(question(page, 1).getByRole('heading')).toHaveText('Question 1 of 2 — Numeric input')
  await saved(page)
  expect((await rowsFromApi(page, nodeId)).map((r) => r.assessment_id)).toEqual([two, one])
  await question(page, 1).locator('.question-head').focus()
  await page.keyboard.press('Alt+ArrowDown')
  await expect(question(page, 1).getByRole('heading')).toHaveText('Question 1 of 2 — Single choice')
  await expect(question(page, 2).locator('.question-head')).toBeFocused()
  await saved(page)
  expect((await rowsFromApi(page, nodeId)).map((r) => r.assessment_id)).toEqual([one, two])
  await question(page, 2).locator('.question-head').dragTo(question(page, 1))
  await expect(question(page, 1).getByRole('heading')).toHaveText('Question 1 of 2 — Numeric input')
  await saved(page)
  expect((await rowsFromApi(page, nodeId)).map((r) => r.assessment_id)).toEqual([two, one])
  await question(page, 1).locator('.question-head').focus()
  await page.keyboard.press('Alt+ArrowDown')
  await expect(question(page, 1).getByRole('heading')).toHaveText('Question 1 of 2 — Single choice')
  await saved(page)

  // Question 1 becomes true/false: asked, its answers converted.
  const q1 = question(page, 1)
  if (!(await q1.getByRole('combobox', { name: 'Question type' }).isVisible())) await q1.getByRole('button', { name: 'Edit question 1' }).click()
  await pickType(page, q1, 'True/false')
  await expect(ask).toContainText('Question 1 becomes “True/false”')
  await ask.getByRole('button', { name: 'Change type' }).click()
  await expect(q1.getByRole('heading')).toHaveText('Question 1 of 2 — True/false')
  await expect(q1.getByRole('textbox', { name: 'Answer 1' })).toHaveValue('True')
  await expect(q1.getByRole('textbox', { name: 'Answer 2' })).toHaveValue('False')
  await expect(q1.getByRole('radio', { name: 'Correct' }).first()).toBeChecked()
  await saved(page)
  rows = await rowsFromApi(page, nodeId)
  expect(rows[0]).toMatchObject({ type: 'true_false', problems: [] })
  expect(JSON.parse(rows[0]!.answers)).toEqual([
    { answer: 'True', correct: true, order: 1 },
    { answer: 'False', correct: false, order: 2 },
  ])
  expect(rows[0]!.question).toContain(`${PNG_MD5}.png`)

  // Preview with "Show answers".
  await editor(page).getByRole('tab', { name: 'Preview' }).click()
  await expect(editor(page).getByText('(correct)')).toHaveCount(0)
  await editor(page).getByRole('checkbox', { name: 'Show answers' }).check()
  await expect(editor(page).getByText('(correct)')).toHaveCount(1)
  await expect(editor(page).getByText('Accepted answers: 0.5, 1/2')).toBeVisible()
  await expect(editor(page).getByRole('img', { name: ALT })).toBeVisible()
  await expectAccessible(page)
  await editor(page).getByRole('tab', { name: 'Questions' }).click()

  // Type into question 2 and close the page at once: the text is there after reopening.
  const url = page.url()
  const q2 = question(page, 2)
  await q2.getByRole('button', { name: 'Edit question 2' }).click()
  const box = q2.getByRole('textbox', { name: 'Question', exact: true })
  await box.press('End')
  await box.pressSequentially(' Use a decimal.')
  await page.close()

  const again = await context.newPage()
  await again.goto(url)
  await expect(question(again, 2).getByText('Write one half as a number. Use a decimal.')).toBeVisible()
  await saved(again)
  await expect.poll(async () => (await rowsFromApi(again, nodeId))[1]!.question).toBe('Write one half as a number. Use a decimal.')
})

test('a question without a correct answer is named and keeps the exercise incomplete until fixed', async ({ page }) => {
  const { channel } = await curatorWithChannel(page, 'Halves')
  const nodeId = await newExercise(page, channel.id, 'Halves check')
  await giveLicense(page)
  await editor(page).getByRole('button', { name: 'New question' }).click()
  const first = question(page, 1)
  await first.getByRole('textbox', { name: 'Question', exact: true }).fill('Which is one half?')
  await first.getByRole('textbox', { name: 'Answer 1' }).fill('1/2')
  await first.getByRole('button', { name: 'Add answer' }).click()
  await first.getByRole('textbox', { name: 'Answer 2' }).fill('1/3')
  await expect(first.getByText('needs a correct answer')).toBeVisible()
  await saved(page)

  // The server's verdict: on the question and on the exercise (API and editor).
  await expect.poll(async () => (await rowsFromApi(page, nodeId))[0]!.problems).toEqual(['needs a correct answer'])
  expect(await nodeFromApi(page, nodeId)).toMatchObject({ complete: false, incomplete_reasons: ['needs a correct answer'] })
  await expect(editor(page).getByText('This exercise is incomplete: needs a correct answer')).toBeVisible()
  await expect(first.getByText('needs a correct answer')).toBeVisible()
  await expectAccessible(page)

  await first.getByRole('radio', { name: 'Correct' }).first().check()
  await saved(page)
  await expect.poll(async () => (await nodeFromApi(page, nodeId)).complete).toBe(true)
  expect((await rowsFromApi(page, nodeId))[0]!.problems).toEqual([])
  await expect(first.getByText('needs a correct answer')).toBeHidden()
  await expect(editor(page).getByText('Every question can be published.')).toBeVisible()
})

test('duplicate, delete, an image from the picker with a size, the toolbar, and the panel’s mastery and randomize', async ({ page }) => {
  const { channel } = await curatorWithChannel(page, 'Tools')
  const nodeId = await newExercise(page, channel.id, 'Toolbox')
  // The edit panel beside the editor has the exercise's mastery criterion and randomize.
  await expect(panel(page).getByRole('combobox', { name: 'Completion' })).toHaveValue('Mastery')
  await expect(panel(page).getByRole('combobox', { name: 'Mastery' })).toHaveValue('All questions correct')
  await expect(panel(page).getByRole('checkbox', { name: 'Randomize question order' })).toBeChecked()

  await editor(page).getByRole('button', { name: 'New question' }).click()
  const first = question(page, 1)
  const text = first.getByRole('textbox', { name: 'Question', exact: true })
  await text.fill('half')
  await text.selectText()
  await first.getByRole('toolbar', { name: 'Formatting of Question' }).getByRole('button', { name: 'Bold' }).click()
  await expect(text).toHaveValue('**half**')
  await text.press('End')
  await first.getByRole('toolbar', { name: 'Formatting of Question' }).getByRole('button', { name: 'Formula' }).click()
  await page.keyboard.type('\\frac{1}{2}')
  await expect(text).toHaveValue('**half**$$\\frac{1}{2}$$')
  await text.press('End')
  await first.getByRole('toolbar', { name: 'Formatting of Question' }).getByRole('button', { name: 'Insert image' }).click()
  const imageDialog = page.getByRole('dialog', { name: 'Insert an image' })
  await imageDialog.getByLabel('Image file').setInputFiles({ name: 'pie.png', mimeType: 'image/png', buffer: Buffer.from(PNG_HEX, 'hex') })
  await imageDialog.getByRole('button', { name: 'Insert' }).click()
  await expect(imageDialog.getByText('Describe the image.')).toBeVisible()
  await imageDialog.getByRole('textbox', { name: 'Alt text' }).fill('a pie')
  await imageDialog.getByRole('spinbutton', { name: 'Width in pixels (optional)' }).fill('40')
  await expectAccessible(page)
  await imageDialog.getByRole('button', { name: 'Insert' }).click()
  await expect(imageDialog).toBeHidden()
  await expect(text).toHaveValue(`**half**$$\\frac{1}{2}$$\n\n![a pie](\${☣ CONTENTSTORAGE}/${PNG_MD5}.png =40x40)`)
  await expect(first.getByRole('group', { name: 'Question as learners see it' }).getByRole('img', { name: 'a pie' })).toHaveAttribute('width', '40')
  await first.getByRole('textbox', { name: 'Answer 1' }).fill('yes')
  await first.getByRole('radio', { name: 'Correct' }).check()

  await first.getByRole('button', { name: 'Duplicate question 1' }).click()
  await expect(question(page, 2).getByRole('heading')).toHaveText('Question 2 of 2 — Single choice')
  await expect(question(page, 2).getByRole('textbox', { name: 'Question', exact: true })).toHaveValue(/^\*\*half\*\*/)
  await saved(page)
  let rows = await rowsFromApi(page, nodeId)
  expect(rows).toHaveLength(2)
  expect(rows[1]!.question).toBe(rows[0]!.question)
  expect(rows[1]!.answers).toBe(rows[0]!.answers)
  // Both questions reference the image: each has its own File row.
  expect(python(`from contentcuration.models import File; print(File.objects.filter(assessment_item__contentnode_id='${nodeId}', checksum='${PNG_MD5}').count())`)).toBe('2')

  await question(page, 1).getByRole('button', { name: 'Delete question 1' }).click()
  await expect(questionList(page).getByRole('listitem')).toHaveCount(1)
  await expect(question(page, 1).getByRole('heading')).toHaveText('Question 1 of 1 — Single choice')
  await saved(page)
  rows = await rowsFromApi(page, nodeId)
  expect(rows.map((r) => r.order)).toEqual([1])

  // An image dropped on an answer.
  const answer = question(page, 1).getByRole('textbox', { name: 'Answer 1' })
  if (!(await answer.isVisible())) await question(page, 1).getByRole('button', { name: 'Edit question 1' }).click()
  await dropPng(answer)
  await imageDialog.getByRole('textbox', { name: 'Alt text' }).fill('a dropped pie')
  await imageDialog.getByRole('button', { name: 'Insert' }).click()
  await expect(imageDialog).toBeHidden()
  await expect(answer).toHaveValue(`yes\n\n![a dropped pie](\${☣ CONTENTSTORAGE}/${PNG_MD5}.png)`)
  // Saved after the typing pause.
  await expect.poll(async () => JSON.parse((await rowsFromApi(page, nodeId))[0]!.answers)[0].answer).toBe(`yes\n\n![a dropped pie](\${☣ CONTENTSTORAGE}/${PNG_MD5}.png)`)
})
