/**
 * The upload queue (issue 14, items 1 and 2): files chosen or dropped in a folder are hashed
 * in the md5 worker, announced (refusals shown with the server's reason before any byte is
 * sent), sent 3 at a time with per-file progress, resumed from the server's offset on retry,
 * and each becomes a resource: a CREATED contentnode titled from the file (or from what the
 * server read in it: H5P / EPUB title, language, license), kind from the format, the
 * channel's content defaults applied, and the file attached with a `file` UPDATED change.
 */
import { defineStore } from 'pinia'
import { computed, reactive } from 'vue'
import { getJson } from '@/api/http'
import { useEngine } from '@/api/sync'
import { announce, formatOf, receivedSoFar, sendBytes, titleFromName, UploadRefused, type UploadTicket } from '@/api/uploads'
import { updated } from '@/changes'
import { md5OfFile } from '@/workers/hashing'
import { useChannelsStore } from './channels'
import { useNodesStore } from './nodes'
import { useReferenceStore } from './reference'

export const PARALLEL_UPLOADS = 3
/** A 308 short of the end (the server kept a cut body) is resumed at once this many times. */
const RESUMES_PER_TRY = 3

export type UploadStatus = 'queued' | 'hashing' | 'uploading' | 'creating' | 'done' | 'refused' | 'failed'

export interface UploadItem {
  id: number
  file: File
  name: string
  channelId: string
  parentId: string
  status: UploadStatus
  /** bytes the server holds (or has been sent) */
  sent: number
  /** failure or refusal, in words */
  reason: string
  md5: string | null
  ticket: UploadTicket | null
  nodeId: string | null
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

/** Whole seconds of an audio or video file, read by the browser's own decoder. */
function mediaDuration(file: File): Promise<number | undefined> {
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

  const active = computed(() => items.filter((i) => i.status === 'hashing' || i.status === 'uploading' || i.status === 'creating'))
  const busy = computed(() => active.value.length > 0 || items.some((i) => i.status === 'queued'))

  function percent(item: UploadItem): number {
    if (item.status === 'done') return 100
    return item.file.size ? Math.floor((item.sent / item.file.size) * 100) : 0
  }

  function add(files: Iterable<File>, channelId: string, parentId: string): void {
    for (const file of files) {
      items.push({
        id: nextId++,
        file,
        name: file.name,
        channelId,
        parentId,
        status: 'queued',
        sent: 0,
        reason: '',
        md5: null,
        ticket: null,
        nodeId: null,
      })
    }
    pump()
  }

  function pump(): void {
    let running = active.value.length
    for (const item of items) {
      if (running >= PARALLEL_UPLOADS) break
      if (item.status !== 'queued') continue
      running++
      void run(find(item.id)!)
    }
  }

  function find(id: number): UploadItem | undefined {
    return items.find((i) => i.id === id)
  }

  function retry(id: number): void {
    const item = find(id)
    if (!item || (item.status !== 'failed' && item.status !== 'refused')) return
    item.status = 'queued'
    item.reason = ''
    pump()
  }

  function clearFinished(): void {
    for (let i = items.length - 1; i >= 0; i--) if (items[i]!.status === 'done') items.splice(i, 1)
  }

  async function run(item: UploadItem): Promise<void> {
    try {
      if (!item.md5) {
        item.status = 'hashing'
        item.md5 = await md5OfFile(item.file)
      }
      item.status = 'uploading'
      const info = formatOf(item.name)
      let from = 0
      if (item.ticket) {
        const held = await receivedSoFar(item.ticket.uploadURL)
        from = held === 'complete' ? item.file.size : held
      } else {
        const duration = info.timed ? await mediaDuration(item.file) : undefined
        item.ticket = await announce({
          size: item.file.size,
          checksum: item.md5,
          name: item.name,
          file_format: info.format,
          preset: info.preset,
          resumable: true,
          ...(duration ? { duration } : {}),
        })
        from = item.ticket.might_skip ? item.file.size : item.ticket.received
      }
      item.sent = from
      for (let tries = 0; from < item.file.size; tries++) {
        if (tries > RESUMES_PER_TRY) throw new Error('The upload stopped short; retry to resume.')
        const result = await sendBytes({
          url: item.ticket.uploadURL,
          file: item.file,
          md5: item.md5,
          from,
          onProgress: (sent) => (item.sent = Math.min(sent, item.file.size)),
        })
        from = result.complete ? item.file.size : result.received
        item.sent = from
      }
      item.status = 'creating'
      item.nodeId = await createResource(item)
      item.status = 'done'
    } catch (error) {
      item.status = error instanceof UploadRefused ? 'refused' : 'failed'
      item.reason = error instanceof Error ? error.message : String(error)
      if (item.status === 'refused') item.ticket = null
    } finally {
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

  async function createResource(item: UploadItem): Promise<string> {
    const info = formatOf(item.name)
    const fileId = item.ticket!.file.id
    const meta = READS_METADATA.has(info.format) ? await readMetadata(fileId) : {}
    const fields: Record<string, unknown> = { ...(await defaultsFor(item.channelId)), title: meta.title || titleFromName(item.name), kind: info.kind }
    if (meta.language) fields.language = meta.language
    if (meta.license) fields.license = meta.license
    if (meta.author) fields.author = meta.author
    const nodeId = await useNodesStore().createNode(item.parentId, fields as { title: string; kind: string })
    await useEngine().enqueue(updated('file', fileId, { contentnode: nodeId }, { channel_id: item.channelId }))
    return nodeId
  }

  return { items, busy, percent, add, retry, clearFinished }
})
