/**
 * The upload queue (stores/uploads) against the real save engine and nodes store: how many
 * files it sends at once, how it announces them (together, refusals per file before any byte)
 * and how their resources reach the outbox (the CREATED nodes together, then the attachments).
 * The test plays the server: `fetch` answers the announcements, a fake XMLHttpRequest holds
 * each PUT until the test finishes it.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useEngine } from '@/api/sync'
import { ChangeType } from '@/changes'
import { useNodesStore } from '@/stores/nodes'
import { BYTES_IN_FLIGHT, PARALLEL_SMALL_UPLOADS, PARALLEL_UPLOADS, QUEUE_KEY, useUploadsStore } from '@/stores/uploads'
import { useManualEngine } from './manualEngine'

// A Web Worker does not run in jsdom: the md5 of a file is stood in for by one made from its
// name (the worker's hashing has its own tests, md5.test.ts).
vi.mock('@/workers/hashing', () => ({
  md5OfFile: async (file: File) => Array.from({ length: 32 }, (_, i) => ((file.name.charCodeAt(i % file.name.length) * (i + 1)) % 16).toString(16)).join(''),
}))

const CHANNEL = 'c'.repeat(32)
const FOLDER = 'f'.repeat(32)

interface Announced {
  name: string
  checksum: string
  file_format: string
  size: number
}

/** Every announcement request: the files it carried. */
let announcements: Announced[][] = []

useManualEngine('uploads', (url, init) => {
  if (url === '/api/file/upload_urls') {
    const files = (JSON.parse(String(init?.body)) as { files: Announced[] }).files
    announcements.push(files)
    return {
      files: files.map((f) =>
        f.file_format === 'docx'
          ? { status: 400, body: { file_format: ["'docx' files are not supported; supported formats: pdf."] } }
          : {
              status: 200,
              body: { uploadURL: `/api/file/upload/${f.checksum}`, might_skip: false, received: 0, resumable: false, file: { id: f.checksum, checksum: f.checksum } },
            },
      ),
    }
  }
  if (url === '/api/user/storage') return { used: 0, quota: 0 }
  if (url.startsWith('/api/contentnode')) return { more: null, results: [] }
  return new Response('not here', { status: 404 })
})

/** A PUT the test finishes (or not) when it likes. */
class FakeXHR {
  static open: FakeXHR[] = []
  static sent: FakeXHR[] = []
  url = ''
  status = 0
  responseText = ''
  body: Blob | null = null
  upload: { onprogress: ((event: { loaded: number }) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  open(_method: string, url: string) {
    this.url = url
  }
  setRequestHeader() {}
  send(body: Blob) {
    this.body = body
    FakeXHR.open.push(this)
    FakeXHR.sent.push(this)
  }
  abort() {
    FakeXHR.open = FakeXHR.open.filter((x) => x !== this)
    this.onabort?.()
  }
  finish() {
    FakeXHR.open = FakeXHR.open.filter((x) => x !== this)
    this.upload.onprogress?.({ loaded: this.body!.size })
    this.status = 200
    this.responseText = JSON.stringify({ complete: true })
    this.onload?.()
  }
}

beforeEach(() => {
  announcements = []
  FakeXHR.open = []
  FakeXHR.sent = []
  vi.stubGlobal('XMLHttpRequest', FakeXHR)
  localStorage.removeItem(QUEUE_KEY)
  useNodesStore().useChannel(CHANNEL)
})

const pdf = (name: string, size = 100_000) => new File([new Uint8Array(size)], name, { type: 'application/pdf' })
const sheets = (count: number, size?: number) => Array.from({ length: count }, (_, i) => pdf(`Sheet ${String(i + 1).padStart(3, '0')}.pdf`, size))
const settle = () => new Promise((resolve) => setTimeout(resolve, 30))

describe('the upload queue', () => {
  it('sends up to 12 small files at once, never more', async () => {
    const uploads = useUploadsStore()
    uploads.add(sheets(20), CHANNEL, FOLDER)
    await vi.waitFor(() => expect(FakeXHR.open).toHaveLength(PARALLEL_SMALL_UPLOADS))
    await settle()
    expect(FakeXHR.open).toHaveLength(PARALLEL_SMALL_UPLOADS)
    FakeXHR.open.slice(0, 5).forEach((x) => x.finish())
    await vi.waitFor(() => expect(FakeXHR.sent).toHaveLength(PARALLEL_SMALL_UPLOADS + 5))
    expect(FakeXHR.open).toHaveLength(PARALLEL_SMALL_UPLOADS)
  })

  it('sends large files 3 at a time (the bytes in flight stay bounded)', async () => {
    const uploads = useUploadsStore()
    const size = Math.ceil(BYTES_IN_FLIGHT / 2)
    uploads.add(sheets(5, size), CHANNEL, FOLDER)
    await vi.waitFor(() => expect(FakeXHR.open).toHaveLength(PARALLEL_UPLOADS))
    await settle()
    expect(FakeXHR.open).toHaveLength(PARALLEL_UPLOADS)
    // the ones waiting are hashed and announced already: their turn sends at once
    expect(announcements.flat()).toHaveLength(5)
    expect(uploads.items.filter((i) => i.status === 'queued')).toHaveLength(2)
  })

  it('announces the files chosen together in one request, each with its own upload URL', async () => {
    const uploads = useUploadsStore()
    uploads.add(sheets(6), CHANNEL, FOLDER)
    await vi.waitFor(() => expect(FakeXHR.open).toHaveLength(6))
    expect(announcements.map((files) => files.length)).toEqual([6])
    expect(new Set(FakeXHR.sent.map((x) => x.url)).size).toBe(6)
    expect(announcements[0]!.map((f) => f.name)).toEqual(sheets(6).map((f) => f.name))
  })

  it('refuses a file with the server reason before any of its bytes, and sends the others', async () => {
    const uploads = useUploadsStore()
    const word = new File(['PK a word document'], 'notes.docx')
    uploads.add([pdf('Halves.pdf'), word, pdf('Thirds.pdf')], CHANNEL, FOLDER)
    await vi.waitFor(() => expect(uploads.items.find((i) => i.name === 'notes.docx')!.status).toBe('refused'))
    expect(uploads.items.find((i) => i.name === 'notes.docx')!.reason).toMatch(/'docx' files are not supported/)
    await vi.waitFor(() => expect(FakeXHR.open).toHaveLength(2))
    expect(FakeXHR.sent.map((x) => x.body)).not.toContain(word)
  })

  it('queues the resources of files sent together as their nodes, then their attachments, in one outbox write', async () => {
    const uploads = useUploadsStore()
    uploads.add(sheets(3), CHANNEL, FOLDER)
    await vi.waitFor(() => expect(FakeXHR.open).toHaveLength(3))
    FakeXHR.open.slice().forEach((x) => x.finish())
    await vi.waitFor(() => expect(uploads.items.every((i) => i.status === 'done')).toBe(true))
    const rows = (await useEngine().db.outbox.toArray()).sort((a, b) => a.rev! - b.rev!)
    expect(rows.map((r) => [r.change.type, r.change.table])).toEqual([
      [ChangeType.CREATED, 'contentnode'],
      [ChangeType.CREATED, 'contentnode'],
      [ChangeType.CREATED, 'contentnode'],
      [ChangeType.UPDATED, 'file'],
      [ChangeType.UPDATED, 'file'],
      [ChangeType.UPDATED, 'file'],
    ])
    expect(rows.slice(0, 3).map((r) => r.change.obj!.title)).toEqual(['Sheet 001', 'Sheet 002', 'Sheet 003'])
    expect(rows.slice(3).map((r) => r.change.mods!.contentnode)).toEqual(uploads.items.map((i) => i.nodeId))
    expect(rows.slice(3).map((r) => r.change.key)).toEqual(uploads.items.map((i) => i.ticket!.file.id))
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull() // nothing unfinished left to remember
  })

  it('a paused file waiting its turn keeps its announcement and resumes without announcing again', async () => {
    const uploads = useUploadsStore()
    uploads.add(sheets(5, Math.ceil(BYTES_IN_FLIGHT / 2)), CHANNEL, FOLDER)
    await vi.waitFor(() => expect(announcements.flat()).toHaveLength(5))
    const waiting = uploads.items[4]!
    uploads.pause(waiting.id)
    expect(JSON.parse(localStorage.getItem(QUEUE_KEY)!)).toHaveLength(5) // remembered across a reload
    FakeXHR.open.slice().forEach((x) => x.finish())
    await vi.waitFor(() => expect(FakeXHR.sent).toHaveLength(4))
    await settle()
    expect(waiting.status).toBe('paused')
    uploads.retry(waiting.id)
    await vi.waitFor(() => expect(FakeXHR.sent).toHaveLength(5))
    expect(FakeXHR.sent[4]!.url).toBe(waiting.ticket!.uploadURL)
    expect(announcements.flat()).toHaveLength(5)
  })
})
