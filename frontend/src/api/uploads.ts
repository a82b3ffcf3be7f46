/**
 * The upload protocol of docs/media-api.md, as the browser speaks it:
 * announce (`POST /api/file/upload_urls`, many files in one request, each refused or given its
 * upload URL before any byte; `announceSoon` gathers the files announced meanwhile), send the bytes
 * (`PUT <uploadURL>`, whole with Content-MD5 or the rest with Content-Range after a
 * resume), and the format table that maps a file name to its format, preset and node kind.
 */
import { HttpError, postJson } from './http'
import { fulfilled, gathered, rejected } from './gathered'

export interface FormatInfo {
  format: string
  preset: string
  kind: string
  /** audio/video: the announcement carries a duration */
  timed: boolean
}

const FORMATS: Record<string, Omit<FormatInfo, 'format'>> = {
  pdf: { preset: 'document', kind: 'document', timed: false },
  epub: { preset: 'epub', kind: 'document', timed: false },
  mp4: { preset: 'high_res_video', kind: 'video', timed: true },
  webm: { preset: 'high_res_video', kind: 'video', timed: true },
  mp3: { preset: 'audio', kind: 'audio', timed: true },
  h5p: { preset: 'h5p', kind: 'h5p', timed: false },
  zip: { preset: 'html5_zip', kind: 'html5', timed: false },
}

/** The extensions the file chooser offers. */
export const ACCEPTED = Object.keys(FORMATS)
  .map((ext) => `.${ext}`)
  .join(',')

/** Format, preset and kind from the file name; unknown extensions still go to the server,
 * which refuses them with its own reason (the list of supported formats). */
export function formatOf(name: string): FormatInfo {
  const dot = name.lastIndexOf('.')
  const format = dot >= 0 ? name.slice(dot + 1).toLowerCase() : ''
  const known = FORMATS[format]
  return known ? { format, ...known } : { format, preset: 'document', kind: 'document', timed: false }
}

/** "Fractions – part 2.pdf" → "Fractions – part 2"; underscores read as spaces. */
export function titleFromName(name: string): string {
  const dot = name.lastIndexOf('.')
  const base = dot > 0 ? name.slice(0, dot) : name
  return base.replace(/_/g, ' ').trim() || name
}

export interface Announcement {
  size: number
  checksum: string
  name: string
  file_format: string
  preset: string
  duration?: number
  resumable: boolean
}

export interface UploadTicket {
  uploadURL: string
  might_skip: boolean
  received: number
  file: { id: string; checksum: string; url?: string }
}

/** A refusal from the server, with the reason to show next to the file. */
export class UploadRefused extends Error {}

function reasonOf(body: unknown): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>
    if (typeof record.detail === 'string') return record.detail
    const messages = Object.values(record).flatMap((value) => (Array.isArray(value) ? value : [value]))
    const text = messages.filter((m) => typeof m === 'string').join(' ')
    if (text) return text
  }
  return typeof body === 'string' && body ? body : 'The server refused this file.'
}

/** Announce a file; 400 / 412 become UploadRefused with the server's reason. */
export async function announce(announcement: Announcement): Promise<UploadTicket> {
  try {
    return await postJson<UploadTicket>('/api/file/upload_url', announcement)
  } catch (error) {
    if (error instanceof HttpError && error.status >= 400 && error.status < 500) {
      throw new UploadRefused(reasonOf(error.body))
    }
    throw error
  }
}

/** At most this many files in one announcement (the server's MAX_ANNOUNCED_AT_ONCE). */
export const MAX_ANNOUNCED_AT_ONCE = 100

/** Announce several files in one request: per file, its ticket or an UploadRefused with the
 * server's reason (as `announce` would answer for that file alone). A failure of the whole
 * request (network, 5xx, a refused batch) rejects. */
export async function announceMany(announcements: Announcement[]): Promise<(UploadTicket | UploadRefused)[]> {
  let answer: { files: { status: number; body: unknown }[] }
  try {
    answer = await postJson<{ files: { status: number; body: unknown }[] }>('/api/file/upload_urls', { files: announcements })
  } catch (error) {
    if (error instanceof HttpError && error.status >= 400 && error.status < 500) throw new UploadRefused(reasonOf(error.body))
    throw error
  }
  if (answer?.files?.length !== announcements.length) throw new Error('The server answered a different number of files.')
  return answer.files.map((entry) => (entry.status === 200 ? (entry.body as UploadTicket) : new UploadRefused(reasonOf(entry.body))))
}

/** Announce a file together with the others announced meanwhile: while one announcement
 * request is out, the files asked for wait and go in the next (benchmarks/frontend_uploads.py:
 * one request per small file was a third of the time of 100 files). Resolves with its ticket;
 * rejects with UploadRefused (its refusal) or the request's failure. */
export const announceSoon: (announcement: Announcement) => Promise<UploadTicket> = gathered(
  async (batch: Announcement[]) =>
    (await announceMany(batch)).map((outcome) => (outcome instanceof UploadRefused ? rejected(outcome) : fulfilled(outcome))),
  MAX_ANNOUNCED_AT_ONCE,
)

function hexToBase64(hex: string): string {
  let binary = ''
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16))
  return btoa(binary)
}

export interface SendOptions {
  url: string
  file: Blob
  md5: string
  /** bytes the server already holds: only the rest is sent */
  from: number
  onProgress: (sent: number) => void
  signal?: AbortSignal
}

/** The outcome of a PUT: stored, or partial (the server's offset) to resume from. */
export type SendResult = { complete: true } | { complete: false; received: number }

/** PUT the bytes with XMLHttpRequest (for upload progress). A dropped connection rejects
 * with a plain Error; a 4xx with UploadRefused (the server's reason). */
export function sendBytes({ url, file, md5, from, onProgress, signal }: SendOptions): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    if (from > 0) xhr.setRequestHeader('Content-Range', `bytes ${from}-${file.size - 1}/${file.size}`)
    else xhr.setRequestHeader('Content-MD5', hexToBase64(md5))
    xhr.upload.onprogress = (event) => onProgress(from + event.loaded)
    xhr.onload = () => {
      let body: unknown = xhr.responseText
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        // not JSON: keep the text
      }
      if (xhr.status === 200) resolve({ complete: true })
      else if (xhr.status === 308) resolve({ complete: false, received: (body as { received?: number })?.received ?? 0 })
      else if (xhr.status >= 400 && xhr.status < 500) reject(new UploadRefused(reasonOf(body)))
      else reject(new Error(`HTTP ${xhr.status}`))
    }
    xhr.onerror = () => reject(new Error('The connection dropped.'))
    xhr.onabort = () => reject(new DOMException('Aborted', 'AbortError'))
    signal?.addEventListener('abort', () => xhr.abort())
    xhr.send(from > 0 ? file.slice(from) : file)
  })
}

/** How many bytes the server holds for this upload URL (HEAD: 200 stored / 308 partial). */
export async function receivedSoFar(url: string): Promise<number | 'complete'> {
  const response = await fetch(url, { method: 'HEAD', credentials: 'same-origin' })
  if (response.status === 200) return 'complete'
  const range = response.headers.get('Range')?.match(/bytes=0-(\d+)/)
  return range ? Number(range[1]) + 1 : 0
}
