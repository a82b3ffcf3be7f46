/**
 * Images in questions, answers and hints: hashed in the md5 worker, announced with preset
 * `exercise_image` (refusals carry the server's reason) and sent unless the server already
 * holds the bytes. Nothing else is written: the question's markdown references the image
 * (`![alt](${☣ CONTENTSTORAGE}/<md5>.<ext>)`) and the server links the upload to the
 * question when the question is saved (spec 4.4).
 */
import { announce, sendBytes } from '@/api/uploads'
import { md5OfFile } from '@/workers/hashing'

export const IMAGE_TYPES: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/svg+xml': 'svg',
}
export const IMAGE_ACCEPT = Object.keys(IMAGE_TYPES).join(',')

export interface StoredImage {
  checksum: string
  extension: string
  width: number
  height: number
}

export function imageExtension(file: File): string | null {
  const byType = IMAGE_TYPES[file.type]
  if (byType) return byType
  const dot = file.name.lastIndexOf('.')
  const ext = dot >= 0 ? file.name.slice(dot + 1).toLowerCase() : ''
  return Object.values(IMAGE_TYPES).includes(ext) || ext === 'jpeg' ? (ext === 'jpeg' ? 'jpg' : ext) : null
}

/** The image's own size in pixels (0 × 0 when the browser cannot decode it). */
export function naturalSize(file: Blob): Promise<{ width: number; height: number }> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file)
    const img = new Image()
    const done = (width: number, height: number) => {
      URL.revokeObjectURL(url)
      resolve({ width, height })
    }
    img.onload = () => done(img.naturalWidth, img.naturalHeight)
    img.onerror = () => done(0, 0)
    img.src = url
  })
}

/** Upload an image for a question; resolves once the server holds it. */
export async function uploadImage(file: File, onProgress?: (fraction: number) => void): Promise<StoredImage> {
  const extension = imageExtension(file)
  if (!extension) throw new Error(`${file.name}: not a PNG, JPEG, GIF or SVG image.`)
  const [checksum, size] = await Promise.all([md5OfFile(file), naturalSize(file)])
  const ticket = await announce({
    size: file.size,
    checksum,
    name: file.name || `image.${extension}`,
    file_format: extension,
    preset: 'exercise_image',
    resumable: false,
  })
  let from = ticket.might_skip ? file.size : ticket.received
  for (let tries = 0; from < file.size; tries++) {
    if (tries > 3) throw new Error('The upload stopped short; try again.')
    const result = await sendBytes({ url: ticket.uploadURL, file, md5: checksum, from, onProgress: (sent) => onProgress?.(sent / file.size) })
    from = result.complete ? file.size : result.received
  }
  onProgress?.(1)
  return { checksum, extension, ...size }
}
