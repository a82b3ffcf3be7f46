import { describe, expect, it } from 'vitest'
import { formatOf, titleFromName } from '@/api/uploads'

describe('upload formats', () => {
  it('maps a file name to its format, preset and node kind', () => {
    expect(formatOf('Intro.PDF')).toEqual({ format: 'pdf', preset: 'document', kind: 'document', timed: false })
    expect(formatOf('book.epub')).toMatchObject({ preset: 'epub', kind: 'document' })
    expect(formatOf('clip.webm')).toMatchObject({ preset: 'high_res_video', kind: 'video', timed: true })
    expect(formatOf('song.mp3')).toMatchObject({ preset: 'audio', kind: 'audio', timed: true })
    expect(formatOf('game.h5p')).toMatchObject({ preset: 'h5p', kind: 'h5p' })
    expect(formatOf('app.zip')).toMatchObject({ preset: 'html5_zip', kind: 'html5' })
  })

  it('sends an unknown extension as it is, for the server to refuse with its reason', () => {
    expect(formatOf('notes.docx').format).toBe('docx')
    expect(formatOf('README').format).toBe('')
  })

  it('titles a resource from the file name without its extension', () => {
    expect(titleFromName('Halves_worksheet.pdf')).toBe('Halves worksheet')
    expect(titleFromName('a.b.c.mp4')).toBe('a.b.c')
    expect(titleFromName('.hidden')).toBe('.hidden')
  })
})
