/**
 * The edit panel's rules, pure (no Vue, no I/O): which fields a node's kind has, what several
 * nodes share ("Mixed" where they differ), the `mods` a bulk edit sends (label fields add,
 * replace or remove), the metadata a folder passes on (Apply to all descendants, inherit after
 * a move) and what the channel's content defaults give a new node. The server owns validation
 * and completeness (nodes/field_table.py, nodes/completeness.py); the values here are its wire
 * shapes: label fields and tags are `{id: true}` maps, completion criteria live in
 * `extra_fields.options.completion_criteria`.
 */
import type { Mods } from '@/changes'
import type { ContentNode } from '@/api/nodes'

export type LabelField = 'learning_activities' | 'grade_levels' | 'learner_needs' | 'categories' | 'accessibility_labels'
export type LabelMode = 'add' | 'replace'

/** learner_needs' "For beginners" label: a checkbox of its own in the panel. */
export const FOR_BEGINNERS = 'sccgQZDd.sAQsauuo'

export type FieldName =
  | 'title'
  | 'description'
  | LabelField
  | 'for_beginners'
  | 'tags'
  | 'language'
  | 'role_visibility'
  | 'license'
  | 'copyright_holder'
  | 'author'
  | 'provider'
  | 'aggregator'
  | 'completion'
  | 'modality'
  | 'suggested_duration'
  | 'randomize'

const FOLDER_FIELDS: FieldName[] = [
  'title',
  'description',
  'grade_levels',
  'learner_needs',
  'for_beginners',
  'tags',
  'categories',
  'language',
]

const RESOURCE_FIELDS: FieldName[] = [
  'title',
  'description',
  'learning_activities',
  'grade_levels',
  'learner_needs',
  'for_beginners',
  'tags',
  'categories',
  'language',
  'role_visibility',
  'license',
  'copyright_holder',
  'author',
  'provider',
  'aggregator',
  'accessibility_labels',
  'completion',
  'suggested_duration',
]

/** The fields a node of `kind` has, in the panel's order. */
export function fieldsFor(kind: string): FieldName[] {
  if (kind === 'topic') return FOLDER_FIELDS
  if (kind === 'exercise') return [...RESOURCE_FIELDS, 'modality', 'randomize']
  return RESOURCE_FIELDS
}

/** The fields every one of these kinds has (a bulk edit of mixed kinds), without the
 * per-node title and description. */
export function sharedFields(kinds: string[]): FieldName[] {
  const unique = [...new Set(kinds)]
  if (!unique.length) return []
  const all = unique.map((kind) => new Set(fieldsFor(kind)))
  const fields = fieldsFor(unique[0]!).filter((field) => all.every((set) => set.has(field)))
  return unique.length === 1 && kinds.length === 1 ? fields : fields.filter((f) => f !== 'title' && f !== 'description')
}

/** Completion models per kind (the server's completeness.ALLOWED_MODELS_PER_KIND). */
export const COMPLETION_MODELS: Record<string, string[]> = {
  document: ['pages', 'time', 'approx_time', 'reference'],
  exercise: ['mastery'],
  html5: ['determined_by_resource', 'time', 'approx_time', 'reference'],
  h5p: ['determined_by_resource', 'time', 'approx_time', 'reference'],
  zim: ['time', 'approx_time', 'reference'],
  audio: ['time', 'approx_time', 'reference'],
  video: ['time', 'approx_time', 'reference'],
  slideshow: ['time', 'approx_time', 'reference'],
}
export const MASTERY_MODELS = [
  'do_all',
  'm_of_n',
  'num_correct_in_a_row_2',
  'num_correct_in_a_row_3',
  'num_correct_in_a_row_5',
  'num_correct_in_a_row_10',
  'pre_post_test',
] as const
export const EXERCISE_MODALITIES = ['QUIZ', 'SURVEY'] as const
export const COMPLETION_PATH = 'extra_fields.options.completion_criteria'
export const MODALITY_PATH = 'extra_fields.options.modality'
export const RANDOMIZE_PATH = 'extra_fields.randomize'

export interface CompletionCriteria {
  model: string
  threshold: unknown
  learner_managed?: boolean
}

/** The completion models every one of these kinds allows. */
export function completionModels(kinds: string[]): string[] {
  const unique = [...new Set(kinds)]
  if (!unique.length) return []
  return (COMPLETION_MODELS[unique[0]!] ?? []).filter((model) => unique.every((kind) => (COMPLETION_MODELS[kind] ?? []).includes(model)))
}

/** The value at a dot path (`extra_fields.options.modality`), undefined when absent. */
export function valueAt(node: Record<string, unknown>, path: string): unknown {
  let value: unknown = node
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/** One value for every node, or `mixed` when they differ (null and absent are the same). */
export function common(nodes: readonly Record<string, unknown>[], path: string): { mixed: boolean; value: unknown } {
  if (!nodes.length) return { mixed: false, value: null }
  const first = JSON.stringify(valueAt(nodes[0]!, path) ?? null)
  for (const node of nodes) if (JSON.stringify(valueAt(node, path) ?? null) !== first) return { mixed: true, value: null }
  return { mixed: false, value: valueAt(nodes[0]!, path) ?? null }
}

/** The ids set (true) in a label or tag map. */
export function labelsOf(node: Record<string, unknown>, field: string): string[] {
  const map = node[field]
  if (typeof map !== 'object' || map === null) return []
  return Object.entries(map as Record<string, unknown>)
    .filter(([, on]) => on)
    .map(([id]) => id)
}

/** Labels of a map field that every node has, and whether some node has others. */
export function commonLabels(nodes: readonly Record<string, unknown>[], field: string): { all: string[]; mixed: boolean } {
  if (!nodes.length) return { all: [], mixed: false }
  const sets = nodes.map((node) => new Set(labelsOf(node, field)))
  const all = [...sets[0]!].filter((id) => sets.every((set) => set.has(id)))
  const mixed = sets.some((set) => set.size !== all.length)
  return { all, mixed }
}

/**
 * The mods that change a label (or tag) map from `before` to `after` (the ids shown).
 * `add`: each id added is set, each id removed is deleted, labels not shown are kept
 * (`field.id: true | null`). `replace`: the whole map becomes `after` (`field: {...}`).
 */
export function labelMods(field: string, before: readonly string[], after: readonly string[], mode: LabelMode = 'add'): Mods {
  if (mode === 'replace') return { [field]: Object.fromEntries(after.map((id) => [id, true])) }
  const mods: Mods = {}
  for (const id of after) if (!before.includes(id)) mods[`${field}.${id}`] = true
  for (const id of before) if (!after.includes(id)) mods[`${field}.${id}`] = null
  return mods
}

/** What a label edit did, for the panel to say: the ids added and removed, or replaced. */
export function describeLabelEdit(mods: Mods, field: string): { added: string[]; removed: string[]; replaced: string[] | null } {
  if (field in mods) {
    const map = (mods[field] ?? {}) as Record<string, unknown>
    return { added: [], removed: [], replaced: Object.keys(map) }
  }
  const added: string[] = []
  const removed: string[] = []
  for (const [path, value] of Object.entries(mods)) {
    if (!path.startsWith(`${field}.`)) continue
    const id = path.slice(field.length + 1)
    if (value) added.push(id)
    else removed.push(id)
  }
  return { added, removed, replaced: null }
}

/** A folder's metadata that its contents can take on, each as the mods that give it (labels
 * are added, never replacing what a node has). Only what the folder has set. */
export const INHERITABLE: readonly ('language' | 'categories' | 'grade_levels' | 'learner_needs')[] = [
  'language',
  'categories',
  'grade_levels',
  'learner_needs',
]
export type Inheritable = (typeof INHERITABLE)[number]

export function inheritableFrom(folder: Record<string, unknown>): { field: Inheritable; values: string[]; mods: Mods }[] {
  const found: { field: Inheritable; values: string[]; mods: Mods }[] = []
  for (const field of INHERITABLE) {
    if (field === 'language') {
      const language = folder.language
      if (typeof language === 'string' && language) found.push({ field, values: [language], mods: { language } })
      continue
    }
    const ids = labelsOf(folder, field)
    if (ids.length) found.push({ field, values: ids, mods: Object.fromEntries(ids.map((id) => [`${field}.${id}`, true])) })
  }
  return found
}

/** The mods of the chosen inheritable fields, as one change's `mods`. */
export function inheritMods(folder: Record<string, unknown>, fields: readonly Inheritable[]): Mods {
  return Object.assign({}, ...inheritableFrom(folder).filter((entry) => fields.includes(entry.field)).map((entry) => entry.mods)) as Mods
}

/** What the channel's content defaults give a new node of `kind`: authorship for every node,
 * the license (named in the defaults, an id on a node) only for resources. */
export function contentDefaultsFor(
  kind: string,
  defaults: Record<string, unknown> | null | undefined,
  licenses: readonly { id: number; license_name: string }[],
): Partial<ContentNode> {
  const fields: Record<string, unknown> = {}
  for (const name of ['author', 'provider', 'aggregator', 'copyright_holder'] as const) {
    const value = defaults?.[name]
    if (typeof value === 'string' && value) fields[name] = value
  }
  if (kind !== 'topic') {
    const license = licenses.find((l) => l.license_name === defaults?.license)
    if (license) fields.license = license.id
    const description = defaults?.license_description
    if (license && typeof description === 'string' && description) fields.license_description = description
  }
  return fields as Partial<ContentNode>
}

/** A label id's words, from the vocabulary's constant name ("lower_primary" → "Lower primary"). */
export function labelName(name: string | undefined, id: string): string {
  if (!name) return id
  const words = name.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}
