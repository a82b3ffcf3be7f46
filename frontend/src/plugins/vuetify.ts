import 'vuetify/styles'
import { createVuetify } from 'vuetify'
import { createVueI18nAdapter } from 'vuetify/locale/adapters/vue-i18n'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { useI18n } from 'vue-i18n'
import { i18n } from '@/i18n'

export const vuetify = createVuetify({
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  locale: { adapter: createVueI18nAdapter({ i18n, useI18n }) },
  // Outlined fields on white, and secondary text dark enough for WCAG AA contrast (axe).
  defaults: {
    VTextField: { variant: 'outlined', density: 'comfortable' },
    VSelect: { variant: 'outlined', density: 'comfortable' },
    VAutocomplete: { variant: 'outlined', density: 'comfortable' },
    VTextarea: { variant: 'outlined', density: 'comfortable' },
  },
  theme: {
    defaultTheme: 'light',
    themes: {
      light: {
        colors: { primary: '#1d5b8f', secondary: '#4a5560', error: '#b3261e' },
        variables: { 'medium-emphasis-opacity': 0.74, 'disabled-opacity': 0.6 },
      },
    },
  },
})
