/**
 * Every write of the channel list, channel settings and sharing: each builds change objects
 * (spec section 2.3: table, key, channel_id / user_id tagging per table) and hands them to
 * `sendChanges`, the one function the save engine replaces.
 */
import { ChangeType, type ChangeTypeValue } from '@/changes'
import { request } from './http'
import { describeErrors, sendChanges, type ChangeOutcome } from './sendChanges'

export interface Change {
  type: ChangeTypeValue
  table: string
  key: string | number | (string | number)[]
  channel_id?: string
  user_id?: number
  obj?: Record<string, unknown>
  mods?: Record<string, unknown>
}

/** A client-made id: 32 lower-case hex digits, a UUID4 without dashes (spec section 0). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export interface ContentDefaults {
  author?: string
  provider?: string
  aggregator?: string
  license?: string | null
  license_description?: string
  copyright_holder?: string
  auto_derive_video_thumbnail?: boolean
  auto_derive_audio_thumbnail?: boolean
  auto_derive_document_thumbnail?: boolean
  auto_derive_html5_thumbnail?: boolean
}

export interface NewChannel {
  id: string
  name: string
  description: string
  language: string | null
  content_defaults?: ContentDefaults
}

// --- builders (pure) ---------------------------------------------------------------------

export const build = {
  createChannel(channel: NewChannel): Change {
    return { type: ChangeType.CREATED, table: 'channel', key: channel.id, channel_id: channel.id, obj: { ...channel } }
  },
  /** `mods` may use dot paths into JSON fields: {"content_defaults.author": "Ada"}. */
  updateChannel(id: string, mods: Record<string, unknown>): Change {
    return { type: ChangeType.UPDATED, table: 'channel', key: id, channel_id: id, mods }
  },
  deleteChannel(id: string): Change {
    return { type: ChangeType.DELETED, table: 'channel', key: id, channel_id: id }
  },
  bookmark(channelId: string, userId: number, on: boolean): Change {
    return on
      ? { type: ChangeType.CREATED, table: 'bookmark', key: channelId, user_id: userId, obj: { channel: channelId } }
      : { type: ChangeType.DELETED, table: 'bookmark', key: channelId, user_id: userId }
  },
  /** The invitee answers: a change about themselves (no channel: they cannot edit it). */
  answerInvitation(id: string, userId: number, accept: boolean): Change {
    return {
      type: ChangeType.UPDATED,
      table: 'invitation',
      key: id,
      user_id: userId,
      mods: accept ? { accepted: true } : { declined: true },
    }
  },
  invite(invitation: { id: string; channel: string; email: string; share_mode: 'edit' | 'view' }): Change {
    return { type: ChangeType.CREATED, table: 'invitation', key: invitation.id, channel_id: invitation.channel, obj: { ...invitation } }
  },
  revokeInvitation(id: string, channelId: string): Change {
    return { type: ChangeType.UPDATED, table: 'invitation', key: id, channel_id: channelId, mods: { revoked: true } }
  },
  deleteInvitation(id: string, channelId: string): Change {
    return { type: ChangeType.DELETED, table: 'invitation', key: id, channel_id: channelId }
  },
  addMember(role: 'editor' | 'viewer', userId: number, channelId: string): Change {
    return {
      type: ChangeType.CREATED,
      table: `${role}_m2m`,
      key: [userId, channelId],
      channel_id: channelId,
      user_id: userId,
      obj: { user: userId, channel: channelId },
    }
  },
  removeMember(role: 'editor' | 'viewer', userId: number, channelId: string): Change {
    return { type: ChangeType.DELETED, table: `${role}_m2m`, key: [userId, channelId], channel_id: channelId, user_id: userId }
  },
  createChannelSet(set: { id: string; name: string; description: string; channels: Record<string, boolean> }, userId: number): Change {
    return { type: ChangeType.CREATED, table: 'channelset', key: set.id, user_id: userId, obj: { ...set } }
  },
  updateChannelSet(id: string, mods: Record<string, unknown>, userId: number): Change {
    return { type: ChangeType.UPDATED, table: 'channelset', key: id, user_id: userId, mods }
  },
  deleteChannelSet(id: string, userId: number): Change {
    return { type: ChangeType.DELETED, table: 'channelset', key: id, user_id: userId }
  },
}

/** Thrown when the server refused a change, with its message. */
export class ChangeRefused extends Error {
  constructor(
    message: string,
    readonly outcome: ChangeOutcome,
  ) {
    super(message)
  }
}

async function send(...changes: Change[]): Promise<ChangeOutcome[]> {
  const outcomes = await sendChanges(changes)
  for (const outcome of outcomes) {
    if (outcome.status === 'errored' || outcome.status === 'disallowed') {
      throw new ChangeRefused(describeErrors(outcome.errors) || outcome.status, outcome)
    }
  }
  return outcomes
}

// --- writes (build + send) -----------------------------------------------------------------

export const createChannel = (channel: NewChannel) => send(build.createChannel(channel))
export const updateChannel = (id: string, mods: Record<string, unknown>) => send(build.updateChannel(id, mods))
export const deleteChannel = (id: string) => send(build.deleteChannel(id))
export const setBookmark = (channelId: string, userId: number, on: boolean) => send(build.bookmark(channelId, userId, on))
export const acceptInvitation = (id: string, userId: number) => send(build.answerInvitation(id, userId, true))
export const declineInvitation = (id: string, userId: number) => send(build.answerInvitation(id, userId, false))
export const invite = (invitation: Parameters<typeof build.invite>[0]) => send(build.invite(invitation))
export const revokeInvitation = (id: string, channelId: string) => send(build.revokeInvitation(id, channelId))
/** There is no "send again" on the server: a fresh invitation replaces the pending one. */
export const resendInvitation = (old: { id: string; channel: string; email: string; share_mode: 'edit' | 'view' }) =>
  send(build.deleteInvitation(old.id, old.channel), build.invite({ ...old, id: newId() }))
export const makeEditor = (userId: number, channelId: string) =>
  send(build.removeMember('viewer', userId, channelId), build.addMember('editor', userId, channelId))
export const removeViewer = (userId: number, channelId: string) => send(build.removeMember('viewer', userId, channelId))
export const removeEditor = (userId: number, channelId: string) => send(build.removeMember('editor', userId, channelId))
export const createChannelSet = (set: Parameters<typeof build.createChannelSet>[0], userId: number) =>
  send(build.createChannelSet(set, userId))
export const updateChannelSet = (id: string, mods: Record<string, unknown>, userId: number) =>
  send(build.updateChannelSet(id, mods, userId))
export const deleteChannelSet = (id: string, userId: number) => send(build.deleteChannelSet(id, userId))

/** "Remove from my list" for a view-only channel. A viewer cannot write to the channel, so
 * this is the REST action made for it (spec 1.1, channeluser remove_self), not a change. */
export async function leaveChannel(userId: number, channelId: string): Promise<void> {
  const response = await request('DELETE', `/api/channeluser/${userId}/remove_self?channel_id=${encodeURIComponent(channelId)}`)
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
}
