/**
 * The questions (`assessmentitem` rows) of the exercises open in the editor: the server's
 * copies (api/questions.ts) with this browser's unsaved changes on top, kept current by the
 * save engine's feed. Every write is a change in the save engine's outbox (IndexedDB, so it
 * survives a reload), shown at once: CREATED for a new or duplicated question, UPDATED for
 * its fields and orders, DELETED. Orders are whole numbers from 1; a move or a duplicate
 * renumbers the questions after it in the same outbox transaction.
 */
import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import { fetchQuestions } from '@/api/questions'
import { useEngine, type FeedChange } from '@/api/sync'
import { newId } from '@/api/writes'
import { applyMods, ChangeType, created, deleted, updated, type Change, type Key, type Mods } from '@/changes'
import { draftsOf, forgetDraft } from '@/components/exercise/drafts'
import {
  blankAnswers,
  moveItem,
  questionProblems,
  renumber,
  VERDICT_FIELDS,
  type QuestionRow,
  type QuestionType,
} from '@/components/exercise/questions'

const TABLE = 'assessmentitem'

function nodeOf(key: Key): string | null {
  return Array.isArray(key) ? String(key[0]) : null
}

function idOf(key: Key): string | null {
  return Array.isArray(key) ? String(key[1]) : null
}

function sorted(rows: QuestionRow[]): QuestionRow[] {
  return [...rows].sort((a, b) => a.order - b.order || a.assessment_id.localeCompare(b.assessment_id))
}

export const useQuestionsStore = defineStore('questions', () => {
  /** node id → its questions in order */
  const byNode = shallowReactive<Record<string, QuestionRow[]>>({})
  /** node id → the first read is here */
  const loaded = shallowReactive<Record<string, boolean>>({})
  /** `node/question` → the row as the server last read it (its `problems` are for it) */
  const server = new Map<string, QuestionRow>()
  let connected = false
  const inflight = new Map<string, Promise<void>>()
  /** This browser's edits by sequence number: a read that was under way while they were
   * made (their outbox write not yet visible to it) applies them again on its result. */
  const journal = new Map<number, Change>()
  let sequence = 0

  function record(change: Change): void {
    journal.set(++sequence, change)
    journal.delete(sequence - 1000)
    applyLocally(change)
  }

  const keyOf = (nodeId: string, id: string) => `${nodeId}/${id}`

  function connect(): void {
    if (connected) return
    connected = true
    useEngine().subscribe((event) => {
      if (event.type === 'changes') applyFeed(event.changes.filter((c) => c.table === TABLE))
    })
  }

  /** Apply one change to a node's list (no outbox). */
  function applyLocally(change: Pick<Change, 'type' | 'key' | 'obj' | 'mods'>): void {
    const nodeId = nodeOf(change.key)
    const id = idOf(change.key)
    if (!nodeId || !id || !byNode[nodeId]) return
    const rows = byNode[nodeId]!
    const index = rows.findIndex((row) => row.assessment_id === id)
    if (change.type === ChangeType.CREATED) {
      const row = { hints: '[]', answers: '[]', question: '', order: rows.length + 1, ...(change.obj ?? {}), contentnode: nodeId, assessment_id: id } as QuestionRow
      byNode[nodeId] = sorted(index >= 0 ? rows.map((r, i) => (i === index ? row : r)) : [...rows, row])
    } else if (change.type === ChangeType.UPDATED && index >= 0 && change.mods) {
      byNode[nodeId] = sorted(rows.map((r, i) => (i === index ? applyMods(r, change.mods as Mods) : r)))
    } else if (change.type === ChangeType.DELETED && index >= 0) {
      byNode[nodeId] = rows.filter((_, i) => i !== index)
    }
  }

  function applyFeed(changes: FeedChange[]): void {
    for (const change of changes) applyLocally(change as unknown as Change)
  }

  /** Read a node's questions (again), with this browser's unsaved changes on top; text a
   * closed page left unsaved (drafts.ts) is handed to the outbox now. */
  function load(channelId: string, nodeId: string, resumeDrafts = true): Promise<void> {
    // The editor's page starts the read before the editor's chunk has loaded; the editor's
    // own call then waits for the same read.
    const key = `${nodeId}:${resumeDrafts}`
    let running = inflight.get(key)
    if (!running) {
      running = read(channelId, nodeId, resumeDrafts).finally(() => inflight.delete(key))
      inflight.set(key, running)
    }
    return running
  }

  async function read(channelId: string, nodeId: string, resumeDrafts: boolean): Promise<void> {
    connect()
    const since = sequence
    const rows = await fetchQuestions(nodeId)
    for (const row of rows) server.set(keyOf(nodeId, row.assessment_id), row)
    const local = (await useEngine().localChanges(TABLE)).filter((change) => nodeOf(change.key) === nodeId)
    byNode[nodeId] = sorted(rows.filter((row) => !row.deleted))
    for (const change of local) applyLocally(change)
    for (const [at, change] of journal) if (at > since && nodeOf(change.key) === nodeId) applyLocally(change)
    loaded[nodeId] = true
    if (!resumeDrafts) return
    for (const [id, mods] of draftsOf(nodeId)) {
      if (list(nodeId).some((row) => row.assessment_id === id)) await updateQuestion(channelId, nodeId, id, mods)
      forgetDraft(nodeId, id)
    }
  }

  function list(nodeId: string): QuestionRow[] {
    return byNode[nodeId] ?? []
  }

  /** The server's verdict while the row is as the server read it; else the same rules here. */
  function problemsOf(row: QuestionRow): string[] {
    const read = server.get(keyOf(row.contentnode, row.assessment_id))
    if (read?.problems && VERDICT_FIELDS.every((field) => read[field] === row[field])) return read.problems
    return questionProblems(row)
  }

  function scope(channelId: string) {
    return { channel_id: channelId }
  }

  /** Orders of the rows after a change of their order, as UPDATED changes. */
  function orderChanges(channelId: string, nodeId: string, rows: QuestionRow[]): Change[] {
    const changes = renumber(rows).map(({ id, order }) => updated(TABLE, [nodeId, id], { order }, scope(channelId)))
    for (const change of changes) record(change)
    return changes
  }

  /** A new question of `type` after the others (or at `at`, 0-based). Returns its id. */
  async function createQuestion(channelId: string, nodeId: string, type: QuestionType, fields: Partial<QuestionRow> = {}, at?: number): Promise<string> {
    const id = newId()
    const rows = list(nodeId)
    const position = at ?? rows.length
    const obj: QuestionRow = {
      contentnode: nodeId,
      assessment_id: id,
      type,
      question: '',
      answers: JSON.stringify(blankAnswers(type)),
      hints: '[]',
      randomize: true,
      ...fields,
      order: position + 1,
    }
    const create = created(TABLE, obj, scope(channelId))
    record(create)
    // Those from `position` on move one down.
    const after = moveItem(list(nodeId), list(nodeId).findIndex((r) => r.assessment_id === id), position)
    const orders = orderChanges(channelId, nodeId, after)
    await useEngine().enqueueMany([create, ...orders])
    return id
  }

  /** A copy of a question right after it ("Duplicate"). Returns the copy's id. */
  async function duplicateQuestion(channelId: string, nodeId: string, id: string): Promise<string | null> {
    const rows = list(nodeId)
    const index = rows.findIndex((r) => r.assessment_id === id)
    const source = rows[index]
    if (!source) return null
    const { question, answers, hints, type, randomize } = source
    return createQuestion(channelId, nodeId, type as QuestionType, { question, answers, hints, randomize }, index + 1)
  }

  async function updateQuestion(channelId: string, nodeId: string, id: string, mods: Mods): Promise<void> {
    const change = updated(TABLE, [nodeId, id], mods, scope(channelId))
    record(change)
    await useEngine().enqueue(change)
  }

  async function deleteQuestion(channelId: string, nodeId: string, id: string): Promise<void> {
    const change = deleted(TABLE, [nodeId, id], scope(channelId))
    record(change)
    const orders = orderChanges(channelId, nodeId, list(nodeId))
    await useEngine().enqueueMany([change, ...orders])
  }

  /** Move the question at `from` to `to` (0-based): the orders that change, in one go. */
  async function moveQuestion(channelId: string, nodeId: string, from: number, to: number): Promise<void> {
    const rows = list(nodeId)
    if (from === to || from < 0 || to < 0 || from >= rows.length || to >= rows.length) return
    const orders = orderChanges(channelId, nodeId, moveItem(rows, from, to))
    if (orders.length) await useEngine().enqueueMany(orders)
  }

  return { byNode, loaded, load, list, problemsOf, createQuestion, duplicateQuestion, updateQuestion, deleteQuestion, moveQuestion }
})
