/**
 * The upload queue (issue 14, items 1 and 2): files chosen or dropped in a folder are hashed
 * in the md5 worker and announced ahead of their turn (several files per request; refusals
 * shown with the server's reason before any byte is sent), sent 3 at a time (up to 12 small
 * files while under 8 MB are left to send) with per-file progress, resumed from the server's
 * offset on retry, and each becomes a resource: a CREATED contentnode titled from the file
 * (or from what the server read in it: H5P / EPUB title, language, license), kind from the
 * format, the channel's content defaults applied, and the file attached with a `file` UPDATED
 * change; the files sent meanwhile are created together (their nodes, then their attachments).
 */
import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'
import { fetchStorage } from '@/api/channels'
import { fulfilled, gathered, rejected } from '@/api/gathered'
import { getJson } from '@/api/http'
import { durationFromHeaders } from '@/api/mediaDuration'
import { announceSoon, formatOf, receivedSoFar, sendBytes, titleFromName, UploadRefused, type UploadTicket } from '@/api/uploads'
import { updated } from '@/changes'
import { md5OfFile } from '@/workers/hashing'
import { useChannelsStore } from './channels'
import { useNodesStore } from './nodes'
import { useReferenceStore } from './reference'

/** Files in flight (hashing or sending) whatever their size: three large files share the link. */
export const PARALLEL_UPLOADS = 3
/** Small files may be more at once, while the bytes they have left to send stay under
 * BYTES_IN_FLIGHT: a 100 KB file's time is round trips, not bytes (benchmarks/frontend_uploads.py:
 * 100 files of 100 KB, 3 at a time, spent most of their time waiting on the server's answers). */
export const PARALLEL_SMALL_UPLOADS = 12
export const BYTES_IN_FLIGHT = 8 * 1000 * 1000
/** Files hashed and announced ahead of the ones sending, so their turn finds them ready. */
export const PREPARE_AHEAD = 50
/** A 308 short of the end (the server kept a cut body) is resumed at once this many times. */
const RESUMES_PER_TRY = 3
/** Where the unfinished uploads are remembered across a reload (see `restore`). */
export const QUEUE_KEY = 'cc-upload-queue'

/** `paused`: stopped by the curator (the server keeps the bytes it has); `missing`: known from
 * before a reload, waiting for the curator to choose the same file again. */
export type UploadStatus = 'queued' | 'hashing' | 'uploading' | 'creating' | 'done' | 'refused' | 'failed' | 'paused' | 'missing'

export interface UploadItem {
  id: number
  /** null for an upload remembered from before a reload until its file is chosen again */
  file: File | null
  name: string
  size: number
  channelId: string
  parentId: string
  status: UploadStatus
  /** bytes the server holds (or has been sent) */
  sent: number
  /** bytes hashed so far (the md5 worker's progress) */
  hashed: number
  /** failure or refusal, in words */
  reason: string
  md5: string | null
  ticket: UploadTicket | null
  nodeId: string | null
}

/** What survives a reload: a File cannot be kept (see `restore`), its identity can. */
interface Remembered {
  name: string
  size: number
  md5: string | null
  channelId: string
  parentId: string
  sent: number
}

interface FileMetadata {
  title?: string | null
  language?: string | null
  license?: number | null
  author?: string | null
  duration?: number | null
}

const READS_METADATA = new Set(['h5p', 'epub', 'zip'])
const DEFAULT_TEXTS = ['author', 'provider', 'aggregator', 'copyright_holder', 'license_description'] as const
const UNFINISHED: UploadStatus[] = ['queued', 'hashing', 'uploading', 'creating', 'failed', 'paused', 'missing']

let timings = 0
/** User Timing entries per file and stage (`cc-upload-hash`, `-announce`, `-send`, `-create`)
 * for benchmarks/frontend_uploads.py and the browser's performance panel; cleared now and then. */
function timing(stage: string, start: number, id: number): void {
  if (typeof performance === 'undefined' || !performance.measure) return
  if (++timings % 4000 === 0) performance.clearMeasures()
  performance.measure(`cc-upload-${stage}`, { start, end: performance.now(), detail: { id } })
}

/** "12.5 MB": sizes in reasons and the storage line. */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

/** Whole seconds of an audio or video file: from its container headers, else from the
 * browser's own decoder. */
async function mediaDuration(file: File, format: string): Promise<number | undefined> {
  const fromHeaders = await durationFromHeaders(file, format).catch(() => undefined)
  if (fromHeaders) return fromHeaders
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file)
    const media = document.createElement(file.type.startsWith('audio') ? 'audio' : 'video')
    const done = (value: number | undefined) => {
      URL.revokeObjectURL(url)
      resolve(value)
    }
    media.preload = 'metadata'
    media.onloadedmetadata = () => done(Number.isFinite(media.duration) ? Math.max(1, Math.floor(media.duration)) : undefined)
    media.onerror = () => done(undefined)
    setTimeout(() => done(undefined), 10_000)
    media.src = url
  })
}

export const useUploadsStore = defineStore('uploads', () => {
  const items = reactive<UploadItem[]>([])
  let nextId = 1
  /** the running uploads' abort switches (pause) */
  const controllers = new Map<number, AbortController>()
  /** the requester's storage from `/api/user/storage`; quota 0 = no limit */
  const storage = ref<{ used: number; quota: number } | null>(null)

  const active = computed(() => items.filter((i) => i.status === 'hashing' || i.status === 'uploading' || i.status === 'creating'))
  const busy = computed(() => active.value.length > 0 || items.some((i) => i.status === 'queued'))
  /** Bytes left under the quota (null: no limit or not known yet). */
  const storageLeft = computed(() => {
    const s = storage.value
    return s && s.quota > 0 ? Math.max(0, s.quota - s.used) : null
  })

  function percent(item: UploadItem): number {
    if (item.status === 'done') return 100
    return item.size ? Math.floor((item.sent / item.size) * 100) : 0
  }

  async function loadStorage(): Promise<void> {
    try {
      storage.value = await fetchStorage()
    } catch {
      // the line stays hidden; the server still refuses over-quota files on announce
    }
  }

  // ---- remembering the queue across a reload ------------------------------------------------
  // A File handle cannot outlive the page, and keeping a copy (IndexedDB / the Origin Private
  // File System) would write a second copy of every video to the curator's disk before the
  // first byte goes out. The server keeps the bytes it received per user and md5, so the queue
  // remembers each unfinished file's identity (name, size, md5, folder); after a reload they
  // are listed as "choose the file again", and the file chosen (matched by name and size, then
  // by md5) is announced again and continues from the server's `received` offset.

  function persist(): void {
    const remembered: Remembered[] = items
      .filter((i) => UNFINISHED.includes(i.status))
      .map((i) => ({ name: i.name, size: i.size, md5: i.md5, channelId: i.channelId, parentId: i.parentId, sent: i.sent }))
    try {
      if (remembered.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(remembered))
      else localStorage.removeItem(QUEUE_KEY)
    } catch {
      // storage full or disabled: the queue still works, it just will not survive a reload
    }
  }

  function restore(): void {
    let remembered: Remembered[] = []
    try {
      remembered = JSON.parse(localStorage.getItem(QUEUE_KEY) ?? '[]') as Remembered[]
    } catch {
      return
    }
    for (const r of Array.isArray(remembered) ? remembered : []) {
      if (typeof r?.name !== 'string' || typeof r.size !== 'number') continue
      items.push({
        id: nextId++,
        file: null,
        name: r.name,
        size: r.size,
        channelId: r.channelId,
        parentId: r.parentId,
        status: 'missing',
        sent: r.sent ?? 0,
        hashed: 0,
        reason: '',
        md5: r.md5 ?? null,
        ticket: null,
        nodeId: null,
      })
    }
  }
  restore()

  /** Over the quota before any byte (and before hashing): the sizes already queued count. */
  function overQuota(size: number): string | null {
    const left = storageLeft.value
    if (left === null) return null
    const pending = items.filter((i) => ['queued', 'hashing', 'uploading', 'paused'].includes(i.status)).reduce((sum, i) => sum + i.size - i.sent, 0)
    const free = Math.max(0, left - pending)
    return size > free ? `Not enough storage: this file needs ${sizeText(size)} and ${sizeText(free)} is left.` : null
  }

  function add(files: Iterable<File>, channelId: string, parentId: string): void {
    for (const file of files) {
      const waiting = items.find((i) => i.status === 'missing' && i.name === file.name && i.size === file.size)
      if (waiting) {
        waiting.file = file
        waiting.status = 'queued'
        waiting.reason = ''
        continue
      }
      const refusal = overQuota(file.size)
      items.push({
        id: nextId++,
        file,
        name: file.name,
        size: file.size,
        channelId,
        parentId,
        status: refusal ? 'refused' : 'queued',
        sent: 0,
        hashed: 0,
        reason: refusal ?? '',
        md5: null,
        ticket: null,
        nodeId: null,
      })
    }
    persist()
    pump()
  }

  /** Prepare (hash, announce) the next PREPARE_AHEAD queued files, and start sending queued
   * files, in order, while there is room: always up to PARALLEL_UPLOADS, and up to
   * PARALLEL_SMALL_UPLOADS while the bytes left to send stay under BYTES_IN_FLIGHT. A file whose
   * bytes are sent ('creating': its node goes to the outbox) no longer takes a place. */
  function pump(): void {
    const sending = items.filter((i) => sendingIds.has(i.id))
    let running = sending.length
    let bytes = sending.reduce((sum, i) => sum + Math.max(0, i.size - i.sent), 0)
    let ahead = 0
    let room = true
    for (const item of items) {
      if (item.status !== 'queued' || sendingIds.has(item.id)) continue
      const left = Math.max(0, item.size - item.sent)
      if (room && running >= PARALLEL_UPLOADS && (running >= PARALLEL_SMALL_UPLOADS || bytes + left > BYTES_IN_FLIGHT)) room = false
      if (room) {
        running++
        bytes += left
        void run(item)
      } else if (ahead++ < PREPARE_AHEAD) {
        if (!ready(item) && !preparations.has(item.id)) void prepare(item)
      } else break
    }
  }

  function find(id: number): UploadItem | undefined {
    return items.find((i) => i.id === id)
  }

  /** Stop an upload; the server keeps what it received, `resume` continues from there. */
  function pause(id: number): void {
    const item = find(id)
    if (!item || !['queued', 'hashing', 'uploading'].includes(item.status)) return
    item.status = 'paused'
    controllers.get(id)?.abort()
    hashControllers.get(id)?.abort()
    persist()
    pump()
  }

  /** Resume a paused upload, or retry a failed or refused one, from the server's offset. */
  function retry(id: number): void {
    const item = find(id)
    if (!item || !item.file || !['failed', 'refused', 'paused'].includes(item.status)) return
    if (item.status === 'refused') {
      const refusal = overQuota(item.size)
      if (refusal) {
        item.reason = refusal
        return
      }
    }
    item.status = 'queued'
    item.reason = ''
    pump()
  }

  /** Forget an upload that is not running (a refused one, or one remembered from before a reload). */
  function remove(id: number): void {
    const at = items.findIndex((i) => i.id === id)
    if (at < 0 || ['hashing', 'uploading', 'creating'].includes(items[at]!.status)) return
    items.splice(at, 1)
    persist()
  }

  function clearFinished(): void {
    for (let i = items.length - 1; i >= 0; i--) if (items[i]!.status === 'done' || items[i]!.status === 'refused') items.splice(i, 1)
    persist()
  }

  /** Whether the curator paused the item while an await was pending. */
  const halted = (item: UploadItem) => item.status === 'paused'

  // ---- the pipeline ----------------------------------------------------------------------------
  // Hashing and announcing run ahead of sending (PREPARE_AHEAD files): one file at a time in
  // the md5 worker, in queue order, and the hashed files announced together; so when a place
  // to send frees up, the next file already has its upload URL. Only sending takes a place.

  /** the files in `run` until their bytes are sent (they hold a place) */
  const sendingIds = new Set<number>()
  /** each file's preparation (hash + announce) while it runs */
  const preparations = new Map<number, Promise<void>>()
  /** where a file announced by `prepare` starts sending (the server's might_skip / received) */
  const announcedFrom = new Map<number, number>()
  /** a file's hashing, stopped by Pause */
  const hashControllers = new Map<number, AbortController>()
  /** the md5 worker's turn: one file at a time, in the order they were queued */
  let hashTurn: Promise<unknown> = Promise.resolve()

  /** Hashed and announced: sending can start at once. */
  const ready = (item: UploadItem) => !!item.md5 && item.hashed >= item.size && !!item.ticket

  /** Hash and announce a queued file (once; the same promise while it runs). A refusal or a
   * failure ends here with the item's status and reason set; a pause leaves it paused. */
  function prepare(item: UploadItem): Promise<void> {
    let preparation = preparations.get(item.id)
    if (!preparation) {
      preparation = hashAndAnnounce(item).finally(() => {
        preparations.delete(item.id)
        persist()
        pump()
      })
      preparations.set(item.id, preparation)
    }
    return preparation
  }

  async function hashAndAnnounce(item: UploadItem): Promise<void> {
    const file = item.file!
    try {
      if (!item.md5 || item.hashed < item.size) {
        const turn = hashTurn.then(async () => {
          if (item.file !== file || (item.status !== 'queued' && item.status !== 'uploading')) return null // paused or removed meanwhile
          const before = item.status
          item.status = 'hashing'
          const started = performance.now()
          // Pause stops the worker reading this file (the hash restarts on Resume).
          const stop = new AbortController()
          hashControllers.set(item.id, stop)
          try {
            return await md5OfFile(file, (hashed) => (item.hashed = hashed), stop.signal)
          } finally {
            hashControllers.delete(item.id)
            timing('hash', started, item.id)
            if (item.status === 'hashing') item.status = before
          }
        })
        hashTurn = turn.catch(() => undefined)
        const md5 = await turn
        if (md5 === null) return
        item.hashed = item.size
        if (item.md5 && md5 !== item.md5) {
          // a different file with the same name and size: not the one to resume
          item.file = null
          item.status = 'missing'
          item.reason = 'This is not the same file (its content differs); choose the original.'
          return
        }
        item.md5 = md5
        persist()
      }
      if (halted(item) || item.ticket) return
      const info = formatOf(item.name)
      const started = performance.now()
      const duration = info.timed ? await mediaDuration(file, info.format) : undefined
      const ticket = await announceSoon({
        size: item.size,
        checksum: item.md5,
        name: item.name,
        file_format: info.format,
        preset: info.preset,
        resumable: true,
        ...(duration ? { duration } : {}),
      })
      timing('announce', started, item.id)
      item.ticket = ticket
      announcedFrom.set(item.id, ticket.might_skip ? item.size : ticket.received)
    } catch (error) {
      if (halted(item)) return
      item.status = error instanceof UploadRefused ? 'refused' : 'failed'
      item.reason = error instanceof Error ? error.message : String(error)
      if (item.status === 'refused') item.ticket = null
    }
  }

  /** Send a file (it holds a place from here until its bytes are sent), then queue its resource. */
  async function run(item: UploadItem): Promise<void> {
    const file = item.file!
    const controller = new AbortController()
    controllers.set(item.id, controller)
    sendingIds.add(item.id)
    try {
      item.status = 'uploading'
      await prepare(item)
      if (item.status !== 'uploading' || item.file !== file) return // refused, failed, paused or not the same file
      let from: number
      if (announcedFrom.has(item.id)) {
        from = announcedFrom.get(item.id)!
        announcedFrom.delete(item.id)
      } else {
        const held = await receivedSoFar(item.ticket!.uploadURL)
        from = held === 'complete' ? item.size : held
      }
      item.sent = from
      if (halted(item)) return
      const sending = performance.now()
      for (let tries = 0; from < item.size; tries++) {
        if (tries > RESUMES_PER_TRY) throw new Error('The upload stopped short; retry to resume.')
        const result = await sendBytes({
          url: item.ticket!.uploadURL,
          file,
          md5: item.md5!,
          from,
          signal: controller.signal,
          onProgress: (sent) => (item.sent = Math.min(sent, item.size)),
        })
        from = result.complete ? item.size : result.received
        item.sent = from
        if (halted(item)) return
      }
      timing('send', sending, item.id)
      item.status = 'creating'
      sendingIds.delete(item.id)
      pump()
      const creating = performance.now()
      item.nodeId = await createResource(item)
      timing('create', creating, item.id)
      item.status = 'done'
      void loadStorage()
    } catch (error) {
      if (halted(item)) return // the abort of a pause
      item.status = error instanceof UploadRefused ? 'refused' : 'failed'
      item.reason = error instanceof Error ? error.message : String(error)
      if (item.status === 'refused') item.ticket = null
      else if (item.ticket) {
        // show what the server kept (what Retry resumes from), not what the browser had sent
        const held = await receivedSoFar(item.ticket.uploadURL).catch(() => null)
        if (typeof held === 'number') item.sent = held
      }
    } finally {
      sendingIds.delete(item.id)
      controllers.delete(item.id)
      persist()
      pump()
    }
  }

  async function readMetadata(fileId: string): Promise<FileMetadata> {
    try {
      return await getJson<FileMetadata>(`/api/file/${fileId}/metadata`)
    } catch {
      return {}
    }
  }

  /** The channel's content defaults as node fields (the license by name → its id). */
  async function defaultsFor(channelId: string): Promise<Record<string, unknown>> {
    const defaults = (useChannelsStore().byId[channelId]?.content_defaults ?? {}) as Record<string, unknown>
    const fields: Record<string, unknown> = {}
    for (const key of DEFAULT_TEXTS) if (typeof defaults[key] === 'string' && defaults[key]) fields[key] = defaults[key]
    if (defaults.license) {
      const reference = await useReferenceStore().load().catch(() => null)
      const license = reference?.licenses.find((l) => l.license_name === defaults.license)
      if (license) fields.license = license.id
    }
    return fields
  }

  /** The node fields of an uploaded file's resource: the channel's content defaults, the title
   * from the file name (or what the server read in the file), its kind. */
  async function resourceFields(item: UploadItem): Promise<Record<string, unknown> & { title: string; kind: string }> {
    const info = formatOf(item.name)
    const meta = READS_METADATA.has(info.format) ? await readMetadata(item.ticket!.file.id) : {}
    const fields: Record<string, unknown> = { ...(await defaultsFor(item.channelId)), title: meta.title || titleFromName(item.name), kind: info.kind }
    if (meta.language) fields.language = meta.language
    if (meta.license) fields.license = meta.license
    if (meta.author) fields.author = meta.author
    return fields as Record<string, unknown> & { title: string; kind: string }
  }

  // Resources are created for the files sent meanwhile together: their CREATED nodes, then
  // their `file` UPDATEDs, in one outbox write, so the server applies each run in one go
  // (one file at a time interleaved the two kinds: ~70 ms of the server per file).
  const createResource = gathered(async (batch: UploadItem[]) => {
    const outcomes = new Map<UploadItem, PromiseSettledResult<string>>()
    const byParent = new Map<string, UploadItem[]>()
    for (const item of batch) byParent.set(item.parentId, [...(byParent.get(item.parentId) ?? []), item])
    for (const [parentId, group] of byParent) {
      try {
        const fields = await Promise.all(group.map(resourceFields))
        const ids = await useNodesStore().createNodes(parentId, fields, (ids) =>
          group.map((item, i) => updated('file', item.ticket!.file.id, { contentnode: ids[i] }, { channel_id: item.channelId })),
        )
        group.forEach((item, i) => outcomes.set(item, fulfilled(ids[i]!)))
      } catch (error) {
        group.forEach((item) => outcomes.set(item, rejected(error)))
      }
    }
    return batch.map((item) => outcomes.get(item)!)
  })

  return { items, busy, storage, storageLeft, percent, loadStorage, add, pause, retry, remove, clearFinished }
})
