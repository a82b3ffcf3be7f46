/** The signed-in user and what the server told the app at start (see api/bootstrap.ts). */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Bootstrap, CurrentUser } from '@/api/bootstrap'

export const useSessionStore = defineStore('session', () => {
  const user = ref<CurrentUser | null>(null)
  const channelRev = ref<number | null>(null)
  const channelId = ref<string | null>(null)
  const requireEmailActivation = ref(false)
  const referenceUrl = ref('/api/bootstrap/reference')

  const signedIn = computed(() => user.value !== null)
  const displayName = computed(() =>
    user.value ? [user.value.first_name, user.value.last_name].filter(Boolean).join(' ') || user.value.email : '',
  )

  function load(bootstrap: Bootstrap): void {
    user.value = bootstrap.user
    channelRev.value = bootstrap.channel_rev
    channelId.value = bootstrap.channel_id
    requireEmailActivation.value = bootstrap.require_email_activation
    referenceUrl.value = bootstrap.reference_url
  }

  return { user, channelRev, channelId, requireEmailActivation, referenceUrl, signedIn, displayName, load }
})
