/**
 * Where a node lands among its siblings after a MOVED / COPIED / CREATED change (spec 4.2:
 * `first-child` / `last-child` of the target, or `left` / `right` of it under the target's
 * parent). Pure list arithmetic on a folder's loaded child ids; no Vue, no I/O.
 */
import type { Position } from '@/changes'

/** The parent a node gets from `target` + `position`: the target itself for the child
 * positions, the target's parent for `left` / `right`. */
export function parentFor(target: string, position: Position, parentOf: (id: string) => string | null | undefined): string | null {
  return position === 'first-child' || position === 'last-child' ? target : (parentOf(target) ?? null)
}

/**
 * `ids` with `id` removed and put where `target` + `position` say. `complete`: whether `ids`
 * holds every child (a `last-child` of a folder only partly loaded is not placed: it comes
 * with the last page). Returns null when the place is not among `ids` (an anchor not loaded).
 */
export function place(ids: readonly string[], id: string, target: string, position: Position, complete: boolean): string[] | null {
  const rest = ids.filter((other) => other !== id)
  switch (position) {
    case 'first-child':
      return [id, ...rest]
    case 'last-child':
      return complete ? [...rest, id] : rest
    case 'left':
    case 'right': {
      const at = rest.indexOf(target)
      if (at < 0) return null
      const index = position === 'left' ? at : at + 1
      return [...rest.slice(0, index), id, ...rest.slice(index)]
    }
  }
}

/** The MOVED (target, position) that puts `ids[from]` at index `to` of the same list
 * (`to` counted after it is taken out): left of the sibling now there, or right of the last. */
export function moveWithin(ids: readonly string[], from: number, to: number, parent: string): { target: string; position: Position } {
  const rest = ids.filter((_, index) => index !== from)
  if (!rest.length) return { target: parent, position: 'first-child' }
  if (to >= rest.length) return { target: rest[rest.length - 1]!, position: 'right' }
  return { target: rest[Math.max(0, to)]!, position: 'left' }
}

/**
 * The MOVEDs that put `removed` nodes back where they were in `ids` (a folder's children
 * before they left): in their old order, each right of the sibling before it (itself back
 * already when it was removed too), or first child of `parent`.
 */
export function restorePlan(ids: readonly string[], removed: ReadonlySet<string>, parent: string): { id: string; target: string; position: Position }[] {
  const plan: { id: string; target: string; position: Position }[] = []
  ids.forEach((id, index) => {
    if (!removed.has(id)) return
    plan.push(index > 0 ? { id, target: ids[index - 1]!, position: 'right' } : { id, target: parent, position: 'first-child' })
  })
  return plan
}

/**
 * The moves that sort a folder's children by title (A–Z, numbers in number order, case and
 * accents aside; equal titles keep their order): from the first child out of place on, each
 * right of the one before it (the first as first child). None when already sorted.
 */
export function sortPlan(ids: readonly string[], titleOf: (id: string) => string, parent: string, locale?: string): { id: string; target: string; position: Position }[] {
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' })
  const sorted = ids.map((id, index) => ({ id, index, title: titleOf(id) }))
  sorted.sort((a, b) => collator.compare(a.title, b.title) || a.index - b.index)
  const first = sorted.findIndex((entry, index) => entry.id !== ids[index])
  if (first < 0) return []
  return sorted.slice(first).map((entry, offset) => {
    const index = first + offset
    return index === 0 ? { id: entry.id, target: parent, position: 'first-child' as Position } : { id: entry.id, target: sorted[index - 1]!.id, position: 'right' as Position }
  })
}
