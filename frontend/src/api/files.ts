/**
 * A node's files as the edit panel handles them (docs/media-api.md sections 4–6, 8): read
 * them (`GET /api/file?contentnode=`), upload one more blob (announce + PUT, the md5 in the
 * worker) and the sync changes that attach, replace and remove files and previous / next
 * steps. No Vue here: stores/media.ts keeps what these return.
 */
import { created, deleted, updated, type Change } from '@/changes'
import { md5OfFile } from '@/workers/hashing'
import { getJson } from './http'
import { announce, sendBytes } from './uploads'

export interface FileRow {
  id: string
  checksum: string
  file_size: number | null
  language: string | null
  file_format: string | null
  contentnode: string | null
  preset: string | null
  original_filename: string
  duration: number | null
  url: string | null
}

export interface Requisite {
  target_node: string
  prerequisite: string
}

export function fetchFiles(nodeId: string): Promise<FileRow[]> {
  return getJson<FileRow[]>(`/api/file?contentnode=${encodeURIComponent(nodeId)}`)
}

/** Every previous-step edge of the node's tree ("target_node requires prerequisite"). */
export function fetchRequisites(nodeId: string): Promise<Requisite[]> {
  return getJson<Requisite[]>(`/api/contentnode/${encodeURIComponent(nodeId)}/requisites`)
}

/** The extension of a file name, lower case ("" when it has none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : ''
}

/** The zip preview's address (Kolibri's path): `/zipcontent/<md5>.<ext>/` serves its index.html. */
export function zipContentUrl(file: Pick<FileRow, 'checksum' | 'file_format'>, path = ''): string {
  return `/zipcontent/${file.checksum}.${file.file_format ?? 'zip'}/${path}`
}

/** The first picture the server found inside a stored HTML5 / H5P archive (its metadata's
 * `thumbnail_candidates`, the largest first), read from `/zipcontent/`; null when it has none. */
export async function fetchArchivePicture(file: Pick<FileRow, 'id' | 'checksum' | 'file_format'>): Promise<Blob | null> {
  const meta = await getJson<{ thumbnail_candidates?: string[] }>(`/api/file/${encodeURIComponent(file.id)}/metadata`)
  const path = meta.thumbnail_candidates?.[0]
  if (!path) return null
  const response = await fetch(zipContentUrl(file, path.split('/').map(encodeURIComponent).join('/')), { credentials: 'omit' })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  return response.blob()
}

/** Upload one blob as a new (unattached) File with `preset`; resolves with its id. Refusals
 * reject with UploadRefused (the server's reason); bytes the server holds are not sent again. */
export async function uploadBlob(
  blob: Blob,
  options: { name: string; preset: string; duration?: number; onProgress?: (sent: number, total: number) => void },
): Promise<string> {
  const md5 = await md5OfFile(blob)
  const ticket = await announce({
    size: blob.size,
    checksum: md5,
    name: options.name,
    file_format: extensionOf(options.name),
    preset: options.preset,
    resumable: true,
    ...(options.duration ? { duration: options.duration } : {}),
  })
  let from = ticket.might_skip ? blob.size : ticket.received
  for (let tries = 0; from < blob.size; tries++) {
    if (tries > 3) throw new Error('The upload stopped short; try again.')
    const result = await sendBytes({ url: ticket.uploadURL, file: blob, md5, from, onProgress: (sent) => options.onProgress?.(sent, blob.size) })
    from = result.complete ? blob.size : result.received
  }
  return ticket.file.id
}

// ---- change builders (pure) ---------------------------------------------------------------

export const fileChanges = {
  attach(fileId: string, nodeId: string, channelId: string, language?: string | null): Change {
    const mods: Record<string, unknown> = { contentnode: nodeId }
    if (language !== undefined) mods.language = language
    return updated('file', fileId, mods, { channel_id: channelId })
  },
  remove(fileId: string, channelId: string): Change {
    return deleted('file', fileId, { channel_id: channelId })
  },
  /** "target requires prerequisite": `prerequisite` is a previous step of `target`. */
  addPrerequisite(target: string, prerequisite: string, channelId: string): Change {
    return created('contentnode_prerequisite', { target_node: target, prerequisite }, { channel_id: channelId })
  },
  removePrerequisite(target: string, prerequisite: string, channelId: string): Change {
    return deleted('contentnode_prerequisite', [target, prerequisite], { channel_id: channelId })
  },
}
