import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useSaveStatusStore } from '@/stores/saveStatus'

describe('save status', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('says saved when nothing is pending', () => {
    expect(useSaveStatusStore().state).toBe('saved')
  })

  it('says offline while changes wait without a network', () => {
    const status = useSaveStatusStore()
    status.report({ pending: 1, online: false })
    expect(status.state).toBe('offline')
  })

  it('puts refused changes first, since they need the curator', () => {
    const status = useSaveStatusStore()
    status.report({ pending: 3, problems: [{ id: 1, table: 'channel', key: 'a', message: 'no', kind: 'errored' }] })
    expect(status.state).toBe('problems')
  })

  it('asks to sign in again when the session expired with changes waiting', () => {
    const status = useSaveStatusStore()
    status.report({ pending: 2, needsSignIn: true })
    expect(status.state).toBe('signin')
  })

  it('counts refused changes as unsaved (signing out would lose them)', () => {
    const status = useSaveStatusStore()
    status.report({ pending: 1, problems: [{ id: 1, table: 'channel', key: 'a', message: 'no', kind: 'disallowed' }] })
    expect(status.unsaved).toBe(2)
  })
})
