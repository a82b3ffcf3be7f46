/** The icon of each content kind (spec 4.2 `kind`). */
import {
  mdiApplicationBracesOutline,
  mdiArchiveOutline,
  mdiFileDocumentOutline,
  mdiFileOutline,
  mdiFolderOutline,
  mdiMotionPlayOutline,
  mdiMusicNote,
  mdiPencilBoxMultipleOutline,
  mdiPresentation,
  mdiPuzzleOutline,
} from '@mdi/js'

const ICONS: Record<string, string> = {
  topic: mdiFolderOutline,
  video: mdiMotionPlayOutline,
  audio: mdiMusicNote,
  exercise: mdiPencilBoxMultipleOutline,
  document: mdiFileDocumentOutline,
  html5: mdiApplicationBracesOutline,
  slideshow: mdiPresentation,
  h5p: mdiPuzzleOutline,
  zim: mdiArchiveOutline,
}

export const KNOWN_KINDS = new Set(Object.keys(ICONS))

export function kindIcon(kind: string): string {
  return ICONS[kind] ?? mdiFileOutline
}
