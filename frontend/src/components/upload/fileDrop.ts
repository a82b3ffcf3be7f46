/** Files dropped onto a folder's contents go into the upload queue (issue 14, item 1).
 * Only drags that carry files are taken: the rows' own drag and drop (moving nodes) passes. */
import { ref } from 'vue'

export function carriesFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files')
}

export function useFileDrop(onFiles: (files: File[]) => void, enabled: () => boolean = () => true) {
  const over = ref(false)

  function dragover(event: DragEvent): void {
    if (!enabled() || !carriesFiles(event)) return
    event.preventDefault()
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy'
    over.value = true
  }

  function dragleave(event: DragEvent): void {
    const into = event.relatedTarget as Node | null
    if (!into || !(event.currentTarget as HTMLElement).contains(into)) over.value = false
  }

  function drop(event: DragEvent): void {
    if (!enabled() || !carriesFiles(event)) return
    event.preventDefault()
    over.value = false
    const files = Array.from(event.dataTransfer?.files ?? [])
    if (files.length) onFiles(files)
  }

  return { over, dragover, dragleave, drop }
}
