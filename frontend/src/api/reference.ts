/**
 * Reference data (languages, licenses, kinds, presets, label vocabularies). The server
 * answers with an ETag and `Cache-Control: no-cache`, so the browser's cache keeps one copy
 * and only revalidates it (304) on later starts.
 */
import { getJson } from './http'

export interface Language {
  id: string
  lang_code: string
  readable_name: string
  native_name: string
  lang_direction: string
}

export interface License {
  id: number
  license_name: string
  license_description: string
  copyright_holder_required: boolean
  is_custom: boolean
}

export interface FormatPreset {
  id: string
  readable_name: string
  kind_id: string | null
  multi_language: boolean
  supplementary: boolean
  thumbnail: boolean
  subtitle: boolean
  display: boolean
  order: number
  allowed_formats: string[]
}

export interface ReferenceData {
  languages: Language[]
  licenses: License[]
  kinds: string[]
  presets: FormatPreset[]
  /** vocabulary name (e.g. "categories") → label id → label name */
  labels: Record<string, Record<string, string>>
}

export function fetchReference(url: string): Promise<ReferenceData> {
  return getJson<ReferenceData>(url, { cache: 'no-cache' })
}
