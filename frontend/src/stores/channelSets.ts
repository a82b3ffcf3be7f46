/** Collections (channel sets): name, description, member channels and the token. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { fetchChannelSets, type ChannelSet } from '@/api/channels'
import * as writes from '@/api/writes'
import { useSessionStore } from './session'

export const useChannelSetsStore = defineStore('channelSets', () => {
  const sets = ref<ChannelSet[] | null>(null)

  async function load(): Promise<void> {
    sets.value = await fetchChannelSets()
  }

  function me(): number {
    return useSessionStore().user!.id
  }

  async function save(fields: { id?: string; name: string; description: string; channels: string[] }): Promise<void> {
    const chosen = Object.fromEntries(fields.channels.map((id) => [id, true]))
    const existing = fields.id ? sets.value?.find((s) => s.id === fields.id) : undefined
    if (!existing) {
      await writes.createChannelSet({ id: writes.newId(), name: fields.name, description: fields.description, channels: chosen }, me())
    } else {
      const mods: Record<string, unknown> = { name: fields.name, description: fields.description }
      for (const id of Object.keys(existing.channels)) if (!chosen[id]) mods[`channels.${id}`] = false
      for (const id of fields.channels) if (!existing.channels[id]) mods[`channels.${id}`] = true
      await writes.updateChannelSet(existing.id, mods, me())
    }
    await load() // the server makes the token
  }

  async function remove(id: string): Promise<void> {
    await writes.deleteChannelSet(id, me())
    sets.value = (sets.value ?? []).filter((s) => s.id !== id)
  }

  return { sets, load, save, remove }
})
