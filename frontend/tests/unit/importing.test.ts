import { afterEach, describe, expect, it, vi } from 'vitest'
import { fetchAlreadyIn, fetchSelectionSummary, searchNodes } from '@/api/importing'

function stubFetch(answer: (url: string) => unknown) {
  const fetch = vi.fn(async (url: string) => new Response(JSON.stringify(answer(url)), { headers: { 'Content-Type': 'application/json' } }))
  vi.stubGlobal('fetch', fetch)
  return () => fetch.mock.calls.map(([url]) => new URL(url, 'http://x'))
}

describe('import reads', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('searches a channel list with only the filters that are set', async () => {
    const urls = stubFetch(() => ({ results: [], more: null }))
    await searchNodes({ keywords: ' fractions ', channelList: 'public', kinds: ['exercise'], licenses: [], coach: false, hideFolders: true })
    const [url] = urls()
    expect(url!.pathname).toBe('/api/contentnode')
    expect(Object.fromEntries(url!.searchParams)).toEqual({
      keywords: 'fractions',
      channel_list: 'public',
      kinds: 'exercise',
      resources: 'true',
      max_results: '50',
    })
  })

  it('narrows to one channel instead of the list when a channel filter is set', async () => {
    const urls = stubFetch(() => ({ results: [], more: null }))
    await searchNodes({ keywords: 'x', channelList: 'edit', channel: 'c'.repeat(32), licenses: [1, 2], coach: true })
    const params = urls()[0]!.searchParams
    expect(params.get('channel_id')).toBe('c'.repeat(32))
    expect(params.has('channel_list')).toBe(false)
    expect(params.get('licenses')).toBe('1,2')
    expect(params.get('coach')).toBe('true')
  })

  it('asks about at most 100 ids per request and adds the parts up', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => i.toString(16).padStart(32, '0'))
    const urls = stubFetch((url) =>
      url.includes('/selection') ? { nodes: 1, folders: 1, resources: 2, size: 10 } : { ids: [url.includes(ids[120]!) ? ids[120] : ids[0]] },
    )
    expect(await fetchSelectionSummary(ids)).toEqual({ nodes: 2, folders: 2, resources: 4, size: 20 })
    expect(await fetchAlreadyIn('c'.repeat(32), ids)).toEqual(new Set([ids[0], ids[120]]))
    expect(urls().map((u) => u.searchParams.get('ids')!.split(',').length)).toEqual([100, 50, 100, 50])
  })
})
