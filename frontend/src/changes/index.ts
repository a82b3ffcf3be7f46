/**
 * The change vocabulary of /api/sync/ (shared/spec/studio-api.md section 2) and the pure
 * builders every store uses to describe an edit. No I/O here: the sync client (api/sync/)
 * stores and sends what these return.
 */

export const ChangeType = {
  CREATED: 1,
  UPDATED: 2,
  DELETED: 3,
  MOVED: 4,
  COPIED: 5,
  PUBLISHED: 6,
  SYNCED: 7,
  DEPLOYED: 8,
  UPDATED_DESCENDANTS: 9,
  PUBLISHED_NEXT: 10,
} as const

export type ChangeTypeValue = (typeof ChangeType)[keyof typeof ChangeType]

export type Table =
  | 'bookmark'
  | 'channel'
  | 'clipboard'
  | 'contentnode'
  | 'contentnode_prerequisite'
  | 'assessmentitem'
  | 'channelset'
  | 'file'
  | 'invitation'
  | 'user'
  | 'session'
  | 'savedsearch'
  | 'editor_m2m'
  | 'viewer_m2m'

/** A row's key: its id, or a pair for the tables with compound keys (spec 2.3). */
export type Key = string | number | [string | number, string | number]

export type Mods = Record<string, unknown>

export type Position = 'first-child' | 'last-child' | 'left' | 'right'

/** Which feed a change belongs to: a channel's, or (channel-less) the user's own. */
export interface Scope {
  channel_id?: string | null
  user_id?: number | null
}

/** A change as the client sends it, without its outbox `rev` (the outbox assigns that). */
export interface Change extends Scope {
  type: ChangeTypeValue
  table: Table
  key: Key
  obj?: Record<string, unknown>
  mods?: Mods
  target?: string
  position?: Position
  from_key?: string
  excluded_descendants?: Record<string, boolean> | null
  version_notes?: string
  language?: string
  [extra: string]: unknown
}

/** Map fields whose keys are ids that may contain dots: only the first dot separates. */
export const MAP_FIELDS: ReadonlySet<string> = new Set([
  'tags',
  'categories',
  'grade_levels',
  'learner_needs',
  'learning_activities',
  'accessibility_labels',
  'resource_types',
])

/** UI-only keys the server pushes (spec 2.5); never sent back. */
const LOCAL_ONLY_KEYS = new Set(['__COPYING_STATUS', '__TASK_ID', '__last_fetch'])

/** The key of `obj` in `table`, as the server addresses it (spec 2.3). */
export function keyOf(table: Table, obj: Record<string, unknown>): Key {
  switch (table) {
    case 'assessmentitem':
      return [obj.contentnode as string, obj.assessment_id as string]
    case 'contentnode_prerequisite':
      return [obj.target_node as string, obj.prerequisite as string]
    case 'editor_m2m':
    case 'viewer_m2m':
      return [obj.user as number, obj.channel as string]
    case 'bookmark':
      return obj.channel as string
    case 'session':
      return 'CURRENT_USER'
    default:
      return obj.id as string
  }
}

/** A stable string for a key (compound keys as JSON), for indexes and maps. */
export function keyString(key: Key): string {
  return Array.isArray(key) ? JSON.stringify(key) : String(key)
}

/**
 * Split a dot path into the segments it names: `"extra_fields.options.m"` → three, but
 * `"categories.abc.def"` → `["categories", "abc.def"]` (label ids contain dots).
 */
export function splitPath(path: string): string[] {
  const dot = path.indexOf('.')
  if (dot < 0) return [path]
  const head = path.slice(0, dot)
  const rest = path.slice(dot + 1)
  return MAP_FIELDS.has(head) ? [head, rest] : [head, ...rest.split('.')]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A deep copy of JSON data (also of Vue's reactive proxies, which structuredClone refuses). */
function clone<T>(value: T): T {
  return value === undefined || value === null || typeof value !== 'object' ? value : (JSON.parse(JSON.stringify(value)) as T)
}

/**
 * `obj` with `mods` applied, as the server applies them: each dot path sets a leaf, `null`
 * deletes it. Returns a new object; `obj` is not changed.
 */
export function applyMods<T extends Record<string, unknown>>(obj: T, mods: Mods): T {
  return applyModsInPlace(clone(obj), mods)
}

/** applyMods on `obj` itself (the caller owns the copy). */
export function applyModsInPlace<T extends Record<string, unknown>>(obj: T, mods: Mods): T {
  const result = obj as Record<string, unknown>
  for (const [path, value] of Object.entries(mods)) {
    const parts = splitPath(path)
    let target = result
    for (const part of parts.slice(0, -1)) {
      if (!isPlainObject(target[part])) {
        if (value === null) {
          target = {}
          break
        }
        target[part] = {}
      }
      target = target[part] as Record<string, unknown>
    }
    const leaf = parts[parts.length - 1]!
    if (value === null && parts.length > 1) delete target[leaf]
    else target[leaf] = clone(value)
  }
  return result as T
}

/**
 * The `mods` that turn `before` into `after`: dot paths to changed leaves of nested objects,
 * one entry per label id for the map fields, `null` for what disappeared. Arrays and
 * non-object values are replaced whole. Empty when nothing changed.
 */
export function diffMods(before: Record<string, unknown>, after: Record<string, unknown>): Mods {
  const mods: Mods = {}
  const walk = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string, flat: boolean) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!prefix && LOCAL_ONLY_KEYS.has(key)) continue
      const path = prefix ? `${prefix}.${key}` : key
      const old = a[key]
      const now = b[key]
      if (!(key in b) || now === undefined) {
        if (key in a && old !== undefined) mods[path] = null
      } else if (!flat && isPlainObject(old) && isPlainObject(now)) {
        walk(old, now, path, !prefix && MAP_FIELDS.has(key))
      } else if (JSON.stringify(old) !== JSON.stringify(now)) {
        mods[path] = clone(now)
      }
    }
  }
  walk(before, after, '', false)
  return mods
}

/** Whether two mods can be folded into one change without changing their meaning. */
export function canMergeMods(earlier: Mods, later: Mods): boolean {
  // "a" then "a.b" (or the reverse) depend on order inside the server's fold: keep them apart.
  const earlierKeys = Object.keys(earlier)
  for (const key of Object.keys(later)) {
    for (const old of earlierKeys) {
      if (old !== key && (old.startsWith(`${key}.`) || key.startsWith(`${old}.`))) return false
    }
  }
  return true
}

/** One UPDATED that does what `earlier` then `later` do (check canMergeMods first). */
export function mergeMods(earlier: Mods, later: Mods): Mods {
  return { ...earlier, ...later }
}

function stripLocal(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !LOCAL_ONLY_KEYS.has(key)))
}

/** The scope a row of `table` belongs to when the caller does not give one (spec 2.10). */
export function scopeFor(table: Table, key: Key, scope: Scope = {}): Scope {
  if (scope.channel_id !== undefined || scope.user_id !== undefined) return scope
  if (table === 'channel') return { channel_id: key as string }
  return scope
}

export function created(table: Table, obj: Record<string, unknown>, scope?: Scope): Change {
  const key = keyOf(table, obj)
  return { type: ChangeType.CREATED, table, key, obj: stripLocal(obj), ...scopeFor(table, key, scope) }
}

export function updated(table: Table, key: Key, mods: Mods, scope?: Scope): Change {
  const clean = Object.fromEntries(Object.entries(mods).filter(([path]) => !LOCAL_ONLY_KEYS.has(path.split('.')[0]!)))
  return { type: ChangeType.UPDATED, table, key, mods: clean, ...scopeFor(table, key, scope) }
}

/** Apply `mods` to a folder and every node under it (one change, whatever their number). */
export function updatedDescendants(key: string, mods: Mods, scope: Scope): Change {
  return { ...updated('contentnode', key, mods, scope), type: ChangeType.UPDATED_DESCENDANTS }
}

export function deleted(table: Table, key: Key, scope?: Scope): Change {
  return { type: ChangeType.DELETED, table, key, ...scopeFor(table, key, scope) }
}

export function moved(key: string, target: string, position: Position, scope: Scope): Change {
  return { type: ChangeType.MOVED, table: 'contentnode', key, target, position, ...scope }
}

export function copied(
  key: string,
  fromKey: string,
  target: string,
  position: Position,
  scope: Scope,
  options: { mods?: Mods; excludedDescendants?: Record<string, boolean> | null } = {},
): Change {
  return {
    type: ChangeType.COPIED,
    table: 'contentnode',
    key,
    from_key: fromKey,
    target,
    position,
    mods: options.mods ?? {},
    excluded_descendants: options.excludedDescendants ?? null,
    ...scope,
  }
}

export function published(channelId: string, versionNotes: string, language: string): Change {
  return {
    type: ChangeType.PUBLISHED,
    table: 'channel',
    key: channelId,
    version_notes: versionNotes,
    language,
    channel_id: channelId,
  }
}

/**
 * The mods that put back what `mods` change in `obj` (an undo): each path's value in `obj`
 * now, `null` where it has none (the server deletes the leaf).
 */
export function inverseMods(obj: Record<string, unknown>, mods: Mods): Mods {
  const inverse: Mods = {}
  for (const path of Object.keys(mods)) {
    let value: unknown = obj
    for (const part of splitPath(path)) value = isPlainObject(value) ? value[part] : undefined
    inverse[path] = value === undefined ? null : clone(value)
  }
  return inverse
}
