import 'vuetify/styles'
import { createVuetify } from 'vuetify'
import { createVueI18nAdapter } from 'vuetify/locale/adapters/vue-i18n'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { useI18n } from 'vue-i18n'
import { i18n } from '@/i18n'

export const vuetify = createVuetify({
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  locale: { adapter: createVueI18nAdapter({ i18n, useI18n }) },
  theme: {
    defaultTheme: 'light',
    themes: {
      light: {
        colors: { primary: '#1d5b8f', secondary: '#4a5560', error: '#b3261e' },
      },
    },
  },
})
