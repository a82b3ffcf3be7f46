/**
 * The channels the list pages show, by id, and which ids each list holds. Reads come from
 * REST (one request per list); writes go through api/writes (changes) and are applied here
 * at once, so the page never waits for the server to show what the curator did.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef, triggerRef } from 'vue'
import { fetchBookmarks, fetchChannel, fetchChannels, type Channel, type ChannelList } from '@/api/channels'
import * as writes from '@/api/writes'
import { useSessionStore } from './session'

export const useChannelListStore = defineStore('channelList', () => {
  // A shallow map: a list of 200 channels is replaced in one go, not made deeply reactive.
  const byId = shallowRef(new Map<string, Channel>())
  const lists = ref<Record<ChannelList, string[] | null>>({ mine: null, starred: null, 'view-only': null })
  const bookmarks = ref(new Set<string>())
  const loading = ref(false)

  function put(channels: Channel[]): void {
    for (const channel of channels) byId.value.set(channel.id, channel)
    triggerRef(byId)
  }

  async function loadList(list: ChannelList): Promise<void> {
    loading.value = true
    try {
      const [channels, marks] = await Promise.all([fetchChannels(list), fetchBookmarks()])
      put(channels)
      bookmarks.value = marks
      lists.value[list] = channels.map((c) => c.id)
    } finally {
      loading.value = false
    }
  }

  async function loadOne(id: string): Promise<Channel> {
    const channel = await fetchChannel(id)
    put([channel])
    return channel
  }

  function userId(): number {
    const user = useSessionStore().user
    if (!user) throw new Error('Not signed in')
    return user.id
  }

  async function create(fields: Omit<writes.NewChannel, 'id'>): Promise<string> {
    const id = writes.newId()
    await writes.createChannel({ id, ...fields })
    const created = { ...fields, id, edit: true, view: false, count: 0, version: 0, published: false } as Partial<Channel>
    put([created as Channel])
    lists.value.mine = [id, ...(lists.value.mine ?? [])]
    return id
  }

  async function update(id: string, mods: Record<string, unknown>): Promise<void> {
    await writes.updateChannel(id, mods)
    const channel = byId.value.get(id)
    if (channel) {
      const next = { ...channel } as Record<string, unknown>
      for (const [path, value] of Object.entries(mods)) {
        const [field, sub] = path.split(/\.(.*)/s)
        if (sub && field) next[field] = { ...(next[field] as object), [sub]: value }
        else if (field) next[field] = value
      }
      put([next as unknown as Channel])
    }
  }

  async function setStarred(id: string, on: boolean): Promise<void> {
    const before = new Set(bookmarks.value)
    const next = new Set(before)
    if (on) next.add(id)
    else next.delete(id)
    bookmarks.value = next
    try {
      await writes.setBookmark(id, userId(), on)
    } catch (error) {
      bookmarks.value = before
      throw error
    }
  }

  function dropFromLists(id: string): void {
    for (const key of Object.keys(lists.value) as ChannelList[]) {
      const ids = lists.value[key]
      if (ids) lists.value[key] = ids.filter((x) => x !== id)
    }
  }

  async function remove(id: string): Promise<void> {
    await writes.deleteChannel(id)
    dropFromLists(id)
  }

  async function leave(id: string): Promise<void> {
    await writes.leaveChannel(userId(), id)
    dropFromLists(id)
  }

  return { byId, lists, bookmarks, loading, put, loadList, loadOne, create, update, setStarred, remove, leave }
})
