/** Invitations: mine (the banner on the channel list) and a channel's (the sharing page). */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { fetchChannelInvitations, fetchMyInvitations, type Invitation } from '@/api/channels'
import * as writes from '@/api/writes'
import { useSessionStore } from './session'

const isPending = (i: Invitation) => !i.accepted && !i.declined && !i.revoked

export const useInvitationsStore = defineStore('invitations', () => {
  const mine = ref<Invitation[]>([])
  const byChannel = ref<Record<string, Invitation[]>>({})

  const pendingForMe = computed(() => {
    const email = useSessionStore().user?.email.toLowerCase()
    return mine.value.filter((i) => isPending(i) && i.email.toLowerCase() === email)
  })

  function pendingFor(channelId: string): Invitation[] {
    return (byChannel.value[channelId] ?? []).filter(isPending)
  }

  async function loadMine(): Promise<void> {
    mine.value = await fetchMyInvitations()
  }

  async function loadChannel(channelId: string): Promise<void> {
    byChannel.value[channelId] = await fetchChannelInvitations(channelId)
  }

  function me(): number {
    return useSessionStore().user!.id
  }

  async function answer(id: string, accept: boolean): Promise<void> {
    if (accept) await writes.acceptInvitation(id, me())
    else await writes.declineInvitation(id, me())
    mine.value = mine.value.map((i) => (i.id === id ? { ...i, accepted: accept, declined: !accept } : i))
  }

  async function invite(channelId: string, email: string, shareMode: 'edit' | 'view'): Promise<void> {
    const invitation = { id: writes.newId(), channel: channelId, email: email.trim(), share_mode: shareMode }
    await writes.invite(invitation)
    await loadChannel(channelId)
  }

  async function revoke(invitation: Invitation): Promise<void> {
    await writes.revokeInvitation(invitation.id, invitation.channel)
    await loadChannel(invitation.channel)
  }

  async function resend(invitation: Invitation): Promise<void> {
    await writes.resendInvitation(invitation)
    await loadChannel(invitation.channel)
  }

  return { mine, byChannel, pendingForMe, pendingFor, loadMine, loadChannel, answer, invite, revoke, resend }
})
