import { rmSync } from 'node:fs'
import { serverState } from './server'

export default async function globalTeardown(): Promise<void> {
  const state = serverState()
  try {
    process.kill(-state.pid, 'SIGTERM') // `serve` stops its worker on SIGTERM
  } catch {
    return
  }
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    try {
      process.kill(-state.pid, 0)
    } catch {
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  try {
    process.kill(-state.pid, 'SIGKILL')
  } catch {
    // already gone
  }
  if (!process.env.E2E_KEEP) rmSync(state.tmpDir, { recursive: true, force: true })
}
