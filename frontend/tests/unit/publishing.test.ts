import { describe, expect, it } from 'vitest'
import { errorMessage, formatWhen, sameId } from '@/components/publish/publishing'
import { nodeLink } from '@/components/review/changeLinks'

describe('sameId', () => {
  it('matches a dashed UUID from the tasks list with a 32-hex channel id', () => {
    expect(sameId('0B1E5C1F-0E3C-4A8E-9F5D-2B7A6C4D3E21', '0b1e5c1f0e3c4a8e9f5d2b7a6c4d3e21')).toBe(true)
  })
  it('does not match other ids or missing ones', () => {
    expect(sameId('0b1e5c1f0e3c4a8e9f5d2b7a6c4d3e21', '0b1e5c1f0e3c4a8e9f5d2b7a6c4d3e22')).toBe(false)
    expect(sameId(null, '0b1e5c1f0e3c4a8e9f5d2b7a6c4d3e21')).toBe(false)
  })
})

describe('errorMessage', () => {
  it('drops the exception name of a task traceback', () => {
    expect(errorMessage('PublishError: Disk full')).toBe('Disk full')
  })
  it('reads a detail, a field list or an Error', () => {
    expect(errorMessage({ detail: 'Channel is already publishing' })).toBe('Channel is already publishing')
    expect(errorMessage({ language: ['Invalid pk "xx" - object does not exist.'] })).toBe('Invalid pk "xx" - object does not exist.')
    expect(errorMessage(['Channel is already publishing'])).toBe('Channel is already publishing')
    expect(errorMessage(new Error('HTTP 500'))).toBe('HTTP 500')
  })
})

describe('formatWhen', () => {
  it('writes a date and a time, and keeps what is not a date', () => {
    expect(formatWhen('2026-12-06T14:21:07.512300+00:00', 'en-GB')).toMatch(/6 Dec 2026.*\d\d:\d\d/)
    expect(formatWhen('soon')).toBe('soon')
  })
})

describe('nodeLink', () => {
  it('opens a node in its folder, a deleted one in the trash', () => {
    expect(nodeLink('c', { id: 'n', parent: 'f' })).toEqual({ name: 'channel-node', params: { channelId: 'c', folderId: 'f', nodeId: 'n' } })
    expect(nodeLink('c', { id: 'n', parent: 'f' }, true)).toEqual({ name: 'channel-trash', params: { channelId: 'c' } })
    expect(nodeLink('c', { id: 'n', parent: null })).toEqual({ name: 'channel', params: { channelId: 'c' } })
  })
})
