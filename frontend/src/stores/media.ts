/**
 * A resource's files and its previous / next steps, as the edit panel shows them (issue 14,
 * sections 2, 3 and 5). Files are read per node (`/api/file?contentnode=`); uploads go through
 * api/files.ts; every attach, replace, remove and prerequisite edit is a sync change whose
 * outcome is awaited, so the panel can show the server's refusal (a circle of previous steps,
 * a file that is not the format it claims) next to what was tried. A refused change is shown
 * there and then dropped from the outbox (nothing is left to retry: the curator chooses again).
 * The node is read again afterwards: its thumbnail and `complete` depend on its files.
 */
import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import { fetchFiles, fetchRequisites, fileChanges, uploadBlob, type FileRow, type Requisite } from '@/api/files'
import { describeErrors } from '@/api/sendChanges'
import { useEngine } from '@/api/sync'
import type { Change } from '@/changes'
import { useNodesStore } from './nodes'

/** A change the server refused, with its message. */
export class MediaRefused extends Error {}

export const useMediaStore = defineStore('media', () => {
  const files = shallowReactive<Record<string, FileRow[]>>({})
  /** per node: its previous steps (prerequisites) and next steps (nodes that require it) */
  const steps = shallowReactive<Record<string, { previous: string[]; next: string[] }>>({})

  async function loadFiles(nodeId: string): Promise<FileRow[]> {
    const rows = await fetchFiles(nodeId)
    files[nodeId] = rows
    return rows
  }

  async function loadSteps(nodeId: string): Promise<void> {
    const edges: Requisite[] = await fetchRequisites(nodeId)
    steps[nodeId] = {
      previous: edges.filter((e) => e.target_node === nodeId).map((e) => e.prerequisite),
      next: edges.filter((e) => e.prerequisite === nodeId).map((e) => e.target_node),
    }
    const nodes = useNodesStore()
    const unknown = [...steps[nodeId]!.previous, ...steps[nodeId]!.next].filter((id) => !nodes.byId[id])
    for (const id of unknown) await nodes.loadNode(id)
  }

  /** Queue the changes, wait for the server's verdict; a refusal throws MediaRefused with its
   * message (and is dropped from the outbox), an answer still pending after the wait resolves
   * (it is applied when the connection allows, like every other edit). */
  async function send(changes: Change[]): Promise<void> {
    const engine = useEngine()
    const revs = await engine.enqueueMany(changes)
    void engine.flush()
    const outcomes = await engine.settle(revs, 15_000)
    const refused = outcomes.findIndex((o) => o.state === 'errored' || o.state === 'disallowed')
    if (refused < 0) return
    for (const [index, outcome] of outcomes.entries()) if (outcome.state === 'errored' || outcome.state === 'disallowed') await engine.discard(revs[index]!)
    const outcome = outcomes[refused]!
    throw new MediaRefused(describeErrors(outcome.errors) || 'The server refused this change.')
  }

  async function afterFileChange(nodeId: string): Promise<void> {
    await Promise.all([loadFiles(nodeId), useNodesStore().loadNode(nodeId)])
  }

  /** Upload `blob` with `preset` and attach it to the node; `replacing`: files it replaces
   * (removed in the same batch). */
  async function addFile(
    node: { id: string; channelId: string },
    blob: Blob,
    options: {
      name: string
      preset: string
      language?: string | null
      duration?: number
      replacing?: string[]
      onProgress?: (sent: number, total: number) => void
    },
  ): Promise<void> {
    const fileId = await uploadBlob(blob, options)
    try {
      await send([
        fileChanges.attach(fileId, node.id, node.channelId, options.language),
        ...(options.replacing ?? []).map((id) => fileChanges.remove(id, node.channelId)),
      ])
    } finally {
      await afterFileChange(node.id)
    }
  }

  async function removeFile(node: { id: string; channelId: string }, fileId: string): Promise<void> {
    try {
      await send([fileChanges.remove(fileId, node.channelId)])
    } finally {
      await afterFileChange(node.id)
    }
  }

  /** `prerequisite` becomes a previous step of `target`; refused (self, circles) with the
   * server's message. */
  async function addStep(target: string, prerequisite: string, channelId: string): Promise<void> {
    try {
      await send([fileChanges.addPrerequisite(target, prerequisite, channelId)])
    } finally {
      await Promise.all([target, prerequisite].filter((id) => steps[id]).map((id) => loadSteps(id)))
    }
  }

  async function removeStep(target: string, prerequisite: string, channelId: string): Promise<void> {
    try {
      await send([fileChanges.removePrerequisite(target, prerequisite, channelId)])
    } finally {
      await Promise.all([target, prerequisite].filter((id) => steps[id]).map((id) => loadSteps(id)))
    }
  }

  return { files, steps, loadFiles, loadSteps, addFile, removeFile, addStep, removeStep }
})
