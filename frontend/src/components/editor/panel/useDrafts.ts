/**
 * Text the curator types in the edit panel, saved after a short pause in typing (and when
 * the field, the nodes or the page are left): never only on blur. The field being typed in
 * keeps the curator's text while other values arrive; the rest show the nodes' values again
 * once their text is handed over.
 */
import { onBeforeUnmount, onMounted, reactive } from 'vue'

export const TYPING_PAUSE = 400

export interface DraftOptions {
  /** The value a field shows when nothing is typed (null: the nodes differ). */
  base: (path: string) => string | null
  /** Hand typed values over (path → text); only those that differ from `base`. */
  commit: (values: Record<string, string>) => void
  /** A value that must not be sent (it stays shown), e.g. an empty title. */
  refuse?: (path: string, value: string) => boolean
}

export function useDrafts(options: DraftOptions) {
  const drafts = reactive<Record<string, string>>({})
  let timer: ReturnType<typeof setTimeout> | undefined
  let focused: string | null = null

  function shown(path: string): string {
    return drafts[path] ?? options.base(path) ?? ''
  }

  function input(path: string, value: string): void {
    drafts[path] = value
    clearTimeout(timer)
    timer = setTimeout(flush, TYPING_PAUSE)
  }

  function flush(): void {
    clearTimeout(timer)
    const values: Record<string, string> = {}
    for (const [path, value] of Object.entries(drafts)) {
      const base = options.base(path)
      // Nodes that differ ("Mixed") keep their values unless something is typed.
      const untouched = base === null ? value === '' : value === base
      if (!options.refuse?.(path, value) && !untouched) values[path] = value
      if (path !== focused) delete drafts[path]
    }
    if (Object.keys(values).length) options.commit(values)
  }

  /** Save what is typed and forget it (the panel shows other nodes now). */
  function reset(): void {
    focused = null
    flush()
    for (const path of Object.keys(drafts)) delete drafts[path]
  }

  function focus(path: string): void {
    focused = path
  }

  function blur(): void {
    focused = null
    flush()
  }

  onMounted(() => window.addEventListener('pagehide', flush))
  onBeforeUnmount(() => {
    window.removeEventListener('pagehide', flush)
    flush()
  })

  return { drafts, shown, input, flush, reset, focus, blur }
}
