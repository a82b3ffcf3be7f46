/**
 * Channels as the curator sees them: the server's copy (REST read, kept in the save engine's
 * mirror for offline use) with local unsaved changes on top, kept current by the engine's
 * feed (collaborators' and the server's changes) without a reload.
 *
 * Every channel edit goes through here: `updateChannel(id, mods)` shows the change at once
 * and hands it to the save engine, which stores it durably and sends it.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { getJson, HttpError } from '@/api/http'
import { useEngine } from '@/api/sync'
import { applyMods, created, deleted, updated, type Mods } from '@/changes'

export interface Channel {
  id: string
  name: string
  description?: string
  language?: string | null
  [field: string]: unknown
}

async function fetchChannel(id: string): Promise<Channel | null> {
  try {
    return await getJson<Channel>(`/api/channel/${encodeURIComponent(id)}`)
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null
    throw error
  }
}

/** The channel page's feed start (its server_rev), from the bootstrap endpoint. */
async function fetchChannelRev(id: string): Promise<number | null> {
  const data = await getJson<{ channel_rev: number | null }>(`/api/bootstrap?path=${encodeURIComponent(`/channels/${id}`)}`)
  return data.channel_rev
}

export const useChannelsStore = defineStore('channels', () => {
  const byId = ref<Record<string, Channel>>({})
  let connected = false

  function connect(): void {
    if (connected) return
    connected = true
    const engine = useEngine()
    engine.registerReader('channel', (key) => fetchChannel(String(key)))
    engine.subscribe((event) => {
      let ids: string[] = []
      if (event.type === 'changes') ids = event.changes.filter((c) => c.table === 'channel').map((c) => String(c.key))
      else if (event.type === 'local') ids = event.keys.filter((k) => k.table === 'channel').map((k) => String(k.key))
      for (const id of new Set(ids)) if (id in byId.value) void refresh(id)
    })
  }

  /** Re-read one channel from the engine (server copy + local changes). */
  async function refresh(id: string): Promise<void> {
    const value = (await useEngine().read('channel', id)) as Channel | null
    if (value) byId.value[id] = value
    else delete byId.value[id]
  }

  /** Load a channel: from the server when reachable, else the last copy this browser had.
   * Returns whether the server answered (`fresh`). */
  async function loadChannel(id: string): Promise<{ channel: Channel | null; fresh: boolean }> {
    connect()
    const engine = useEngine()
    let fresh = false
    try {
      const value = await fetchChannel(id)
      if (value) await engine.remember('channel', id, value)
      fresh = true
    } catch (error) {
      if (error instanceof HttpError) throw error
      // offline: fall back to the mirror
    }
    await refresh(id)
    return { channel: byId.value[id] ?? null, fresh }
  }

  /** Keep channels read elsewhere (e.g. a list) as the base for local changes. */
  async function rememberChannels(channels: Channel[]): Promise<void> {
    connect()
    const engine = useEngine()
    for (const channel of channels) {
      await engine.remember('channel', channel.id, channel)
      await refresh(channel.id)
    }
  }

  /** Follow collaborators' changes to a channel. `rev`: its server_rev when it was read
   * (undefined: ask the server); `fresh`: whether it was just read from the server. */
  async function watchChannel(id: string, rev?: number | null, fresh = true): Promise<void> {
    connect()
    let start = rev
    if (start === undefined) {
      try {
        start = await fetchChannelRev(id)
      } catch {
        start = null
        fresh = false
      }
    }
    await useEngine().watchChannel(id, start ?? null, fresh)
  }

  function unwatchChannel(id: string): void {
    if (connected) useEngine().unwatchChannel(id)
  }

  async function updateChannel(id: string, mods: Mods): Promise<void> {
    connect()
    const current = byId.value[id]
    if (current) byId.value[id] = applyMods(current, mods)
    await useEngine().enqueue(updated('channel', id, mods))
  }

  async function createChannel(channel: Channel): Promise<void> {
    connect()
    byId.value[channel.id] = channel
    await useEngine().enqueue(created('channel', channel))
  }

  async function deleteChannel(id: string): Promise<void> {
    connect()
    delete byId.value[id]
    await useEngine().enqueue(deleted('channel', id))
  }

  return { byId, loadChannel, rememberChannels, watchChannel, unwatchChannel, updateChannel, createChannel, deleteChannel }
})
