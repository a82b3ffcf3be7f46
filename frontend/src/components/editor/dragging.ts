/** The nodes being dragged in the editor (rows), so the folder tree can take them as a drop
 * target and refuse a folder dropped into itself. */
import { ref } from 'vue'

export const dragging = ref<string[] | null>(null)

/** The nodes cut with Ctrl+X (of channel `channelId`), until Ctrl+V moves them into the
 * folder shown then (any folder of the same channel: the cut survives opening another one). */
export const cutNodes = ref<{ channelId: string; ids: string[] } | null>(null)
