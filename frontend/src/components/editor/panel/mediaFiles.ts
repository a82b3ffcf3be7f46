/**
 * Which of a node's files is what, by the format preset table the server sends (le-utils'
 * presets: `thumbnail`, `subtitle`, `supplementary`, `kind_id`, `allowed_formats`): the main
 * files a resource is made of, its captions and its thumbnail. Pure: unit-tested.
 */
import type { FileRow } from '@/api/files'
import type { FormatPreset } from '@/api/reference'

export interface FileGroups {
  main: FileRow[]
  captions: FileRow[]
  thumbnail: FileRow | null
  /** supplementary files that are neither (dependencies, exercise images) */
  other: FileRow[]
}

export function groupFiles(files: readonly FileRow[], presets: readonly FormatPreset[]): FileGroups {
  const byId = new Map(presets.map((p) => [p.id, p]))
  const groups: FileGroups = { main: [], captions: [], thumbnail: null, other: [] }
  for (const file of files) {
    const preset = file.preset ? byId.get(file.preset) : undefined
    if (preset?.thumbnail) groups.thumbnail ??= file
    else if (preset?.subtitle) groups.captions.push(file)
    else if (preset && !preset.supplementary) groups.main.push(file)
    else groups.other.push(file)
  }
  return groups
}

/** The presets a resource of `kind` is made of (not thumbnails, captions or dependencies). */
export function mainPresets(kind: string, presets: readonly FormatPreset[]): FormatPreset[] {
  return presets.filter((p) => p.kind_id === kind && !p.thumbnail && !p.subtitle && !p.supplementary && p.display)
}

/** The preset a new main file of `kind` named with extension `ext` takes (the replaced file's
 * own preset first, when it accepts the format); null when the kind takes no such file. */
export function presetForMainFile(kind: string, ext: string, presets: readonly FormatPreset[], replacing?: string | null): string | null {
  const candidates = mainPresets(kind, presets).filter((p) => p.allowed_formats.includes(ext))
  return (candidates.find((p) => p.id === replacing) ?? candidates[0])?.id ?? null
}

/** The `accept` list of a file chooser for a kind's main file: ".pdf,.epub". */
export function mainAccept(kind: string, presets: readonly FormatPreset[]): string {
  return [...new Set(mainPresets(kind, presets).flatMap((p) => p.allowed_formats))].map((ext) => `.${ext}`).join(',')
}

export function thumbnailPreset(kind: string, presets: readonly FormatPreset[]): string | null {
  return presets.find((p) => p.kind_id === kind && p.thumbnail)?.id ?? null
}

/** Captions of video and audio are `video_subtitle` files (le-utils has no audio preset). */
export function captionsPreset(kind: string, presets: readonly FormatPreset[]): string | null {
  if (kind !== 'video' && kind !== 'audio') return null
  return presets.find((p) => p.kind_id === kind && p.subtitle)?.id ?? presets.find((p) => p.subtitle)?.id ?? null
}

/** 1536 → "1.5 KB", as the file list shows sizes. */
export function readableSize(bytes: number | null): string {
  if (bytes === null || bytes < 0) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
