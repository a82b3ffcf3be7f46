import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createVuetify } from 'vuetify'
import * as components from 'vuetify/components'
import * as directives from 'vuetify/directives'
import { i18n } from '@/i18n'
import AccountMenu from '@/components/AccountMenu.vue'
import { useSaveStatusStore } from '@/stores/saveStatus'

const signOut = vi.fn(async () => {})
vi.mock('@/api/accounts', () => ({ signOut: () => signOut() }))

class NoResize {
  observe() {}
  unobserve() {}
  disconnect() {}
}

function mountMenu() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const vuetify = createVuetify({ components, directives })
  return {
    pinia,
    wrapper: mount(
      { components: { AccountMenu }, template: '<v-app><AccountMenu /></v-app>' },
      { global: { plugins: [pinia, i18n, vuetify], stubs: { RouterLink: true } }, attachTo: document.body },
    ),
  }
}

function button(name: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name)
  if (!found) throw new Error(`no button ${name}: ${document.body.innerHTML}`)
  return found
}

describe('signing out with changes not yet saved', () => {
  const assign = vi.fn()
  beforeEach(() => {
    vi.stubGlobal('ResizeObserver', NoResize)
    vi.stubGlobal('visualViewport', Object.assign(new EventTarget(), { width: 1024, height: 768, scale: 1, offsetLeft: 0, offsetTop: 0 }))
    vi.stubGlobal('location', { ...window.location, assign })
    signOut.mockClear()
    assign.mockClear()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    document.body.innerHTML = ''
  })

  it('asks first, and Cancel keeps the session and the changes', async () => {
    const { wrapper } = mountMenu()
    useSaveStatusStore().report({ pending: 2, online: false })
    button('Account').click()
    await flushPromises()
    button('Sign out').click()
    await flushPromises()
    expect(document.body.textContent).toContain('2 changes have not been saved yet')
    button('Cancel').click()
    await flushPromises()
    expect(signOut).not.toHaveBeenCalled()
    expect(useSaveStatusStore().pending).toBe(2)
    wrapper.unmount()
  })

  it('signs out at once when nothing is pending', async () => {
    const { wrapper } = mountMenu()
    button('Account').click()
    await flushPromises()
    button('Sign out').click()
    await flushPromises()
    expect(signOut).toHaveBeenCalledOnce()
    expect(assign).toHaveBeenCalledWith('/accounts/login/')
    wrapper.unmount()
  })
})
