import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { loadBootstrap } from './api/bootstrap'
import { applyDocumentLocale, i18n } from './i18n'
import { vuetify } from './plugins/vuetify'
import { createAppRouter } from './router'
import { useSessionStore } from './stores/session'
import { startSaving } from './stores/saving'

async function start(): Promise<void> {
  const app = createApp(App)
  const pinia = createPinia()
  app.use(pinia).use(i18n).use(vuetify)
  applyDocumentLocale(i18n.global.locale.value)
  useSessionStore(pinia).load(await loadBootstrap())
  startSaving(pinia)
  app.use(createAppRouter())
  app.mount('#app')
}

start().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  document.getElementById('app')!.textContent = i18n.global.t('app.loadFailed', { message })
})
