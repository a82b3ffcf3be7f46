/**
 * Pictures the browser makes for the edit panel: the server has no image library, PDF
 * renderer or ffmpeg (docs/media-api.md section 6), so every thumbnail is drawn here — a
 * PDF's page with pdf.js, a video's frame, an uploaded image — cropped to Kolibri's 16:9 and
 * encoded as PNG. pdf.js (and its worker) load only when a PDF is shown or drawn.
 */
import type { PDFDocumentProxy } from 'pdfjs-dist'

/** Kolibri shows thumbnails at 16:9. */
export const THUMBNAIL_WIDTH = 640
export const THUMBNAIL_HEIGHT = 360

let pdfjs: Promise<typeof import('pdfjs-dist')> | null = null

function loadPdfjs(): Promise<typeof import('pdfjs-dist')> {
  pdfjs ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(([lib, worker]) => {
    lib.GlobalWorkerOptions.workerSrc = worker.default
    return lib
  })
  return pdfjs
}

/** Open a PDF (from its URL) with pdf.js. */
export async function openPdf(url: string): Promise<PDFDocumentProxy> {
  const lib = await loadPdfjs()
  return lib.getDocument({ url, isEvalSupported: false }).promise
}

/** Draw page `pageNumber` (from 1) of `pdf` on `canvas`, `width` CSS pixels wide. */
export async function drawPdfPage(pdf: PDFDocumentProxy, pageNumber: number, canvas: HTMLCanvasElement, width: number): Promise<void> {
  const page = await pdf.getPage(pageNumber)
  const unscaled = page.getViewport({ scale: 1 })
  const ratio = window.devicePixelRatio || 1
  const viewport = page.getViewport({ scale: (width / unscaled.width) * ratio })
  canvas.width = Math.round(viewport.width)
  canvas.height = Math.round(viewport.height)
  canvas.style.width = `${width}px`
  canvas.style.height = `${Math.round(viewport.height / ratio)}px`
  const context = canvas.getContext('2d')
  if (!context) throw new Error('This browser cannot draw on a canvas.')
  await page.render({ canvasContext: context, viewport }).promise
}

/** Which part of a picture the thumbnail shows: `zoom` ≥ 1 (1 = the whole width or height),
 * `x` / `y` from 0 (left / top edge) to 1 (right / bottom edge) of what overflows. */
export interface Crop {
  zoom: number
  x: number
  y: number
}

export const CENTRED: Crop = { zoom: 1, x: 0.5, y: 0.5 }

/** `source` (w × h) drawn to cover a 16:9 canvas, cropped as `crop` says (Kolibri's cards
 * show 16:9). */
export function cropToThumbnail(source: CanvasImageSource, width: number, height: number, crop: Crop = CENTRED, canvas = document.createElement('canvas')): HTMLCanvasElement {
  canvas.width = THUMBNAIL_WIDTH
  canvas.height = THUMBNAIL_HEIGHT
  const context = canvas.getContext('2d')!
  context.fillStyle = '#fff'
  context.fillRect(0, 0, canvas.width, canvas.height)
  const scale = Math.max(canvas.width / width, canvas.height / height) * Math.max(1, crop.zoom)
  const drawnWidth = width * scale
  const drawnHeight = height * scale
  const clamp = (value: number) => Math.min(1, Math.max(0, value))
  context.drawImage(source, -(drawnWidth - canvas.width) * clamp(crop.x), -(drawnHeight - canvas.height) * clamp(crop.y), drawnWidth, drawnHeight)
  return canvas
}

export function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The picture could not be encoded.'))), 'image/png'))
}

/** A PNG thumbnail of the PDF's first page. */
export async function thumbnailFromPdf(url: string): Promise<Blob> {
  const pdf = await openPdf(url)
  try {
    const page = document.createElement('canvas')
    await drawPdfPage(pdf, 1, page, THUMBNAIL_WIDTH)
    return await toPng(cropToThumbnail(page, page.width, page.height, { zoom: 1, x: 0.5, y: 0 })) // a page keeps its top: the title is there
  } finally {
    void pdf.destroy()
  }
}

/** A PNG thumbnail of the video's frame at `seconds` (or a tenth of the way in). */
export function thumbnailFromVideo(url: string, seconds?: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const video = document.createElement('video')
    video.muted = true
    video.preload = 'auto'
    video.crossOrigin = 'anonymous'
    const timer = setTimeout(() => reject(new Error('The video did not load.')), 20_000)
    video.onerror = () => {
      clearTimeout(timer)
      reject(new Error('The video could not be read.'))
    }
    video.onloadeddata = () => {
      const at = seconds ?? (Number.isFinite(video.duration) ? video.duration / 10 : 0)
      video.currentTime = Math.max(0, Math.min(at, (video.duration || 0) - 0.05))
    }
    video.onseeked = () => {
      clearTimeout(timer)
      if (!video.videoWidth) return reject(new Error('The video has no picture.'))
      toPng(cropToThumbnail(video, video.videoWidth, video.videoHeight)).then(resolve, reject)
    }
    video.src = url
  })
}

/** A PNG thumbnail of an image file, cropped to 16:9 as `crop` says. */
export async function thumbnailFromImage(file: Blob, crop: Crop = CENTRED): Promise<Blob> {
  const bitmap = await createImageBitmap(file)
  try {
    return await toPng(cropToThumbnail(bitmap, bitmap.width, bitmap.height, crop))
  } finally {
    bitmap.close()
  }
}

/** Whole seconds of an audio or video file, read by the browser's decoder. A WebM recorded
 * live has no duration in its header: the browser finds it after a seek to the end. */
export function mediaDuration(file: Blob, audio: boolean): Promise<number | undefined> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file)
    const media = document.createElement(audio ? 'audio' : 'video')
    let settled = false
    const done = (value: number | undefined) => {
      if (settled) return
      settled = true
      URL.revokeObjectURL(url)
      resolve(value)
    }
    const whole = () => (Number.isFinite(media.duration) && media.duration > 0 ? Math.max(1, Math.floor(media.duration)) : undefined)
    media.preload = 'metadata'
    media.onloadedmetadata = () => {
      if (whole()) return done(whole())
      media.ondurationchange = () => whole() && done(whole())
      media.currentTime = Number.MAX_SAFE_INTEGER
    }
    media.onerror = () => done(undefined)
    setTimeout(() => done(undefined), 10_000)
    media.src = url
  })
}
