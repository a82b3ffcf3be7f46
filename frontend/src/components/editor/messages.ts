/** The editor's strings join the app's messages when its chunk loads (the channel list's
 * first download stays without them). */
import { i18n } from '@/i18n'
import editor from '@/i18n/en/editor'
import media from '@/i18n/en/media'
import importer from '@/i18n/en/importer'
import panel from '@/i18n/en/panel'
import exercise from '@/i18n/en/exercise'

i18n.global.mergeLocaleMessage('en', { editor: { ...editor, panel, media }, exercise, importer })
