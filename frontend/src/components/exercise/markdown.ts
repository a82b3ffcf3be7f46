/**
 * The markdown of questions, answers and hints as Studio and Kolibri store it, and its
 * rendering in the editor (markdown-it, formulas by KaTeX). What is stored is exactly what
 * the curator's textarea holds: formulas as `$$\frac{1}{2}$$` (the Perseus export rewrites
 * them to `$…$`), images as `![alt](${☣ CONTENTSTORAGE}/<md5>.<ext>)`, optionally sized
 * `![alt](${☣ CONTENTSTORAGE}/<md5>.<ext> =WxH)` (publish/exercises.py reads both).
 * Rendering is for the editor only: raw HTML is not rendered (markdown-it `html: false`).
 */
import katex from 'katex'
import MarkdownIt from 'markdown-it'

export const CONTENT_STORAGE = '${☣ CONTENTSTORAGE}'

/** The reference a question stores for an uploaded image. */
export function imageMarkdown(alt: string, checksum: string, extension: string, size?: { width: number; height: number } | null): string {
  const cleanAlt = alt.replace(/[[\]\n]/g, ' ').trim()
  const sizing = size ? ` =${Math.round(size.width)}x${Math.round(size.height)}` : ''
  return `![${cleanAlt}](${CONTENT_STORAGE}/${checksum}.${extension.toLowerCase()}${sizing})`
}

/** The public URL of a stored object (storage.py `content_url`). */
export function storageUrl(checksum: string, extension: string): string {
  return `/content/storage/${checksum[0]}/${checksum[1]}/${checksum}.${extension}`
}

const STORED_IMAGE = /!\[([^\]]*)\]\(\$\{☣ CONTENTSTORAGE\}\/([0-9a-f]{32})\.([A-Za-z0-9]+)(?:\s+=([0-9.]+)x([0-9.]+))?\)/g

/** The stored images a text refers to (md5, extension). */
export function imagesIn(text: string): { checksum: string; extension: string }[] {
  return [...text.matchAll(STORED_IMAGE)].map((m) => ({ checksum: m[2]!, extension: m[3]!.toLowerCase() }))
}

let renderer: MarkdownIt | null = null

/** `$$…$$` (inline or alone on a line) becomes a KaTeX formula. Written as a markdown-it
 * inline rule so formulas inside emphasis or lists work, and a backslash in a formula is not
 * taken as a markdown escape. */
function formulas(md: MarkdownIt): void {
  md.inline.ruler.before('escape', 'formula', (state, silent) => {
    const start = state.pos
    if (state.src.charCodeAt(start) !== 0x24 || state.src.charCodeAt(start + 1) !== 0x24) return false
    const end = state.src.indexOf('$$', start + 2)
    if (end < 0 || end === start + 2) return false
    if (!silent) {
      const token = state.push('formula', 'span', 0)
      token.content = state.src.slice(start + 2, end)
    }
    state.pos = end + 2
    return true
  })
  md.renderer.rules.formula = (tokens, index) => {
    const tex = tokens[index]!.content
    try {
      return katex.renderToString(tex, { throwOnError: false, output: 'html' })
    } catch {
      return `<code>${md.utils.escapeHtml(tex)}</code>`
    }
  }
}

function markdown(): MarkdownIt {
  if (renderer) return renderer
  renderer = new MarkdownIt({ html: false, linkify: false, breaks: false })
  renderer.use(formulas)
  const defaultImage = renderer.renderer.rules.image!
  renderer.renderer.rules.image = (tokens, index, options, env, self) => {
    const token = tokens[index]!
    const size = /^cc-size-(\d+)x(\d+)$/.exec(token.attrGet('title') ?? '')
    if (size) {
      token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'title')
      token.attrSet('width', size[1]!)
      token.attrSet('height', size[2]!)
    }
    return defaultImage(tokens, index, options, env, self)
  }
  const defaultLink = renderer.renderer.rules.link_open
  renderer.renderer.rules.link_open = (tokens, index, options, env, self) => {
    tokens[index]!.attrSet('target', '_blank')
    tokens[index]!.attrSet('rel', 'noopener noreferrer')
    return defaultLink ? defaultLink(tokens, index, options, env, self) : self.renderToken(tokens, index, options)
  }
  return renderer
}

/** HTML for the editor's rendered view and the preview. Stored image references point at
 * the storage URL (the placeholder holds a space, which markdown links cannot). */
export function renderMarkdown(text: string): string {
  const source = text.replace(STORED_IMAGE, (_all, alt: string, checksum: string, ext: string, width?: string, height?: string) => {
    const title = width && height ? ` "cc-size-${Math.round(Number(width))}x${Math.round(Number(height))}"` : ''
    return `![${alt}](${storageUrl(checksum, ext.toLowerCase())}${title})`
  })
  return markdown().render(source)
}

/** The markdown that wraps or prefixes the selection `[start, end)` of `text` for a toolbar
 * button; returns the new text and the new selection. */
export type Format = 'bold' | 'italic' | 'list' | 'link' | 'formula'

export function applyFormat(text: string, start: number, end: number, format: Format): { text: string; start: number; end: number } {
  const selected = text.slice(start, end)
  const wrap = (before: string, after: string, placeholder: string) => {
    const inner = selected || placeholder
    const next = text.slice(0, start) + before + inner + after + text.slice(end)
    return { text: next, start: start + before.length, end: start + before.length + inner.length }
  }
  switch (format) {
    case 'bold':
      return wrap('**', '**', 'bold text')
    case 'italic':
      return wrap('_', '_', 'italic text')
    case 'formula':
      return wrap('$$', '$$', 'x^2')
    case 'link': {
      const label = selected || 'link text'
      const before = `[${label}](`
      const url = 'https://'
      const next = text.slice(0, start) + before + url + ')' + text.slice(end)
      return { text: next, start: start + before.length, end: start + before.length + url.length }
    }
    case 'list': {
      const lineStart = text.lastIndexOf('\n', start - 1) + 1
      const block = text.slice(lineStart, end)
      const listed = block
        .split('\n')
        .map((line) => (line.startsWith('- ') ? line : `- ${line}`))
        .join('\n')
      const next = text.slice(0, lineStart) + listed + text.slice(end)
      return { text: next, start: lineStart, end: lineStart + listed.length }
    }
  }
}
