/** vue-i18n set-up; Vuetify's own strings go through it too (adapter below). */
import { createI18n } from 'vue-i18n'
import { en as vuetifyEn } from 'vuetify/locale'
import en from './en'
import saving from './en/saving'

export type MessageSchema = typeof en & typeof saving

export const RTL_LOCALES = new Set(['ar', 'fa', 'he', 'ur'])

export const i18n = createI18n({
  legacy: false,
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en: { ...en, ...saving, $vuetify: vuetifyEn } },
})

/** Sets <html lang dir> for the active locale, so right-to-left languages lay out correctly. */
export function applyDocumentLocale(locale: string, doc: Document = document): void {
  doc.documentElement.lang = locale
  doc.documentElement.dir = RTL_LOCALES.has(locale.split('-')[0] ?? locale) ? 'rtl' : 'ltr'
}
