import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'

describe('IndexedDB in units', () => {
  it('is provided by fake-indexeddb, so Dexie stores work under Vitest', async () => {
    const db = new Dexie('unit-check')
    db.version(1).stores({ rows: '++id' })
    await db.table('rows').add({ value: 1 })
    expect(await db.table('rows').count()).toBe(1)
    db.close()
  })
})
