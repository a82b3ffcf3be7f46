/** The publish and review strings join the app's messages when the editor's chunk loads. */
import { i18n } from '@/i18n'
import publish from '@/i18n/en/publish'

i18n.global.mergeLocaleMessage('en', { publish })
