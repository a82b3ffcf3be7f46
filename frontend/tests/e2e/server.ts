/**
 * The live Django server the browser tests run against: where it is, how to run its
 * management commands with the same environment. global-setup.ts writes the state file.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const PYTHON = process.env.PYTHON ?? path.join(REPO_ROOT, '.venv/bin/python')

export interface ServerState {
  baseURL: string
  pid: number
  tmpDir: string
  mailDir: string
  env: Record<string, string>
  postgresDatabase: string | null
}

export function serverState(): ServerState {
  const file = process.env.E2E_STATE
  if (!file) throw new Error('E2E_STATE is not set: run the suite with `npx playwright test` (global setup)')
  return JSON.parse(readFileSync(file, 'utf-8')) as ServerState
}

/** Run `manage.py ARGS` against the live server's database; returns stdout. */
export function manage(args: string[], env: Record<string, string> = serverState().env): string {
  return execFileSync(PYTHON, ['manage.py', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}
