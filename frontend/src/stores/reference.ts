/** Reference data (languages, licenses, kinds, ...), fetched once per page load. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { fetchReference, type ReferenceData } from '@/api/reference'
import { useSessionStore } from './session'

export const useReferenceStore = defineStore('reference', () => {
  const data = ref<ReferenceData | null>(null)
  let loading: Promise<ReferenceData> | null = null

  function load(): Promise<ReferenceData> {
    loading ??= fetchReference(useSessionStore().referenceUrl).then((loaded) => (data.value = loaded))
    return loading
  }

  const languages = computed(() => data.value?.languages ?? [])
  const licenses = computed(() => data.value?.licenses ?? [])
  const kinds = computed(() => data.value?.kinds ?? [])
  const languageNames = computed(() => new Map(languages.value.map((l) => [l.id, l.native_name || l.readable_name])))

  return { data, load, languages, licenses, kinds, languageNames }
})
