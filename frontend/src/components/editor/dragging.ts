/** The nodes being dragged in the editor (rows), so the folder tree can take them as a drop
 * target and refuse a folder dropped into itself. */
import { ref } from 'vue'

export const dragging = ref<string[] | null>(null)
