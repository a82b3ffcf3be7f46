/** Where a listed node opens in the editor: its edit panel in the folder it is in; a
 * deleted one in the trash (a node deleted forever is gone: the trash is the nearest). */
import type { RouteLocationRaw } from 'vue-router'

export function nodeLink(channelId: string, node: { id: string; parent: string | null }, deleted = false): RouteLocationRaw {
  if (deleted || !node.id) return { name: 'channel-trash', params: { channelId } }
  if (!node.parent) return { name: 'channel', params: { channelId } }
  return { name: 'channel-node', params: { channelId, folderId: node.parent, nodeId: node.id } }
}
