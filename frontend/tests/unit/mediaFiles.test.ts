import { describe, expect, it } from 'vitest'
import { extensionOf, fileChanges, zipContentUrl, type FileRow } from '@/api/files'
import type { FormatPreset } from '@/api/reference'
import { captionsPreset, groupFiles, mainAccept, presetForMainFile, readableSize, thumbnailPreset } from '@/components/editor/panel/mediaFiles'

function preset(id: string, kind: string | null, formats: string[], flags: Partial<FormatPreset> = {}): FormatPreset {
  return {
    id,
    readable_name: id,
    kind_id: kind,
    multi_language: false,
    supplementary: false,
    thumbnail: false,
    subtitle: false,
    display: true,
    order: 1,
    allowed_formats: formats,
    ...flags,
  }
}

// A slice of le-utils' table, flags as the server sends them.
const PRESETS = [
  preset('high_res_video', 'video', ['mp4', 'webm']),
  preset('low_res_video', 'video', ['mp4', 'webm']),
  preset('video_dependency', 'video', ['mp4', 'webm'], { display: false }),
  preset('video_thumbnail', 'video', ['png', 'jpg', 'jpeg'], { thumbnail: true, supplementary: true }),
  preset('video_subtitle', 'video', ['vtt'], { subtitle: true, supplementary: true }),
  preset('audio', 'audio', ['mp3']),
  preset('audio_thumbnail', 'audio', ['png', 'jpg', 'jpeg'], { thumbnail: true, supplementary: true }),
  preset('document', 'document', ['pdf']),
  preset('epub', 'document', ['epub']),
  preset('document_thumbnail', 'document', ['png', 'jpg', 'jpeg'], { thumbnail: true, supplementary: true }),
  preset('exercise_image', 'exercise', ['png'], { supplementary: true, display: false }),
]

function file(id: string, presetId: string, extra: Partial<FileRow> = {}): FileRow {
  return { id, checksum: `${id}`.padEnd(32, '0'), file_size: 10, language: null, file_format: 'webm', contentnode: 'n', preset: presetId, original_filename: `${id}.webm`, duration: null, url: null, ...extra }
}

describe('a node’s files by preset', () => {
  it('splits main files, captions, the thumbnail and the rest', () => {
    const groups = groupFiles(
      [file('v', 'high_res_video'), file('c', 'video_subtitle', { language: 'es' }), file('t', 'video_thumbnail'), file('d', 'video_dependency'), file('u', 'unknown')],
      PRESETS,
    )
    expect(groups.main.map((f) => f.id)).toEqual(['v', 'd'])
    expect(groups.captions.map((f) => f.id)).toEqual(['c'])
    expect(groups.thumbnail?.id).toBe('t')
    expect(groups.other.map((f) => f.id)).toEqual(['u'])
  })

  it('chooses the preset of a new main file from its format, keeping the replaced one’s', () => {
    expect(presetForMainFile('document', 'epub', PRESETS)).toBe('epub')
    expect(presetForMainFile('document', 'pdf', PRESETS)).toBe('document')
    expect(presetForMainFile('video', 'webm', PRESETS, 'low_res_video')).toBe('low_res_video')
    expect(presetForMainFile('video', 'webm', PRESETS)).toBe('high_res_video')
    expect(presetForMainFile('video', 'mp3', PRESETS)).toBeNull()
    expect(mainAccept('document', PRESETS)).toBe('.pdf,.epub')
  })

  it('names the thumbnail and captions presets of a kind', () => {
    expect(thumbnailPreset('document', PRESETS)).toBe('document_thumbnail')
    expect(thumbnailPreset('exercise', PRESETS)).toBeNull()
    expect(captionsPreset('video', PRESETS)).toBe('video_subtitle')
    expect(captionsPreset('audio', PRESETS)).toBe('video_subtitle') // le-utils has no audio_subtitle
    expect(captionsPreset('document', PRESETS)).toBeNull()
  })

  it('writes sizes as people read them', () => {
    expect(readableSize(512)).toBe('512 B')
    expect(readableSize(1536)).toBe('1.5 KB')
    expect(readableSize(14 * 1024 * 1024)).toBe('14 MB')
    expect(readableSize(null)).toBe('—')
  })
})

describe('file and prerequisite changes', () => {
  it('attaches with the language only when given, removes by id', () => {
    expect(fileChanges.attach('f', 'n', 'c', 'es')).toEqual({ type: 2, table: 'file', key: 'f', mods: { contentnode: 'n', language: 'es' }, channel_id: 'c' })
    expect(fileChanges.attach('f', 'n', 'c').mods).toEqual({ contentnode: 'n' })
    expect(fileChanges.remove('f', 'c')).toEqual({ type: 3, table: 'file', key: 'f', channel_id: 'c' })
  })

  it('keys a previous step [target, prerequisite]', () => {
    expect(fileChanges.addPrerequisite('b', 'a', 'c')).toMatchObject({ type: 1, table: 'contentnode_prerequisite', key: ['b', 'a'], channel_id: 'c' })
    expect(fileChanges.removePrerequisite('b', 'a', 'c')).toEqual({ type: 3, table: 'contentnode_prerequisite', key: ['b', 'a'], channel_id: 'c' })
  })

  it('addresses zip entries at Kolibri’s path', () => {
    expect(zipContentUrl({ checksum: 'abc', file_format: 'zip' })).toBe('/zipcontent/abc.zip/')
    expect(extensionOf('Captions.ES.VTT')).toBe('vtt')
  })
})
