/** The user settings page's data: full name, storage, API token. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as api from '@/api/channels'
import { useSessionStore } from './session'

export const useUserStore = defineStore('user', () => {
  const storage = ref<{ used: number; quota: number } | null>(null)
  const apiToken = ref<string | null>(null)

  async function loadStorage(): Promise<void> {
    storage.value = await api.fetchStorage()
  }

  async function loadApiToken(): Promise<void> {
    apiToken.value = await api.fetchApiToken()
  }

  async function saveFullName(firstName: string, lastName: string): Promise<void> {
    await api.updateFullName(firstName, lastName)
    const session = useSessionStore()
    if (session.user) session.user = { ...session.user, first_name: firstName.trim(), last_name: lastName.trim() }
  }

  async function changePassword(oldPassword: string, password1: string, password2: string): Promise<void> {
    await api.changePassword(oldPassword, password1, password2)
    apiToken.value = null // the server may rotate the token with the password
  }

  return { storage, apiToken, loadStorage, loadApiToken, saveFullName, changePassword }
})
