/**
 * A real Kolibri 0.19.5 importing from the live server, as a device does ("import from a
 * network location"). Kolibri lives in `.venv-kolibri/`, built on first use by the pytest
 * acceptance tests' own builder (`kolibri_python` in contentcuration/tests/test_publish_kolibri.py,
 * pip from PyPI, a minute or two), run here through manage.py when the suite needs it.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { manage } from './server'

function ensureKolibri(): string {
  const output = manage(['shell', '-c', 'from contentcuration.tests.test_publish_kolibri import kolibri_python; print(kolibri_python())'])
  const python = output.trim().split('\n').at(-1)!
  return path.join(path.dirname(python), 'kolibri')
}

/** A fresh Kolibri home; `run(...args)` is `kolibri manage ...` in it (stdout + stderr). */
export function kolibriDevice(): { home: string; run: (...args: string[]) => string } {
  const kolibri = ensureKolibri()
  const home = mkdtempSync(path.join(os.tmpdir(), 'cc-e2e-kolibri-'))
  const env: NodeJS.ProcessEnv = { ...process.env, KOLIBRI_HOME: home, KOLIBRI_RUN_MODE: 'test' }
  delete env.DJANGO_SETTINGS_MODULE
  delete env.DATABASE_URL
  const run = (...args: string[]) =>
    execFileSync(kolibri, ['manage', ...args], { env, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 })
  return { home, run }
}

/** What the device holds of a channel after an import: its version and its nodes' titles. */
export function importedChannel(device: ReturnType<typeof kolibriDevice>, channelId: string): { version: number; titles: string[] } {
  const script = path.join(device.home, 'read_channel.py')
  writeFileSync(
    script,
    [
      'import json',
      'from kolibri.core.content.models import ChannelMetadata, ContentNode',
      `channel = ChannelMetadata.objects.get(id=${JSON.stringify(channelId)})`,
      `titles = sorted(ContentNode.objects.filter(channel_id=channel.id).values_list("title", flat=True))`,
      'print("RESULT " + json.dumps({"version": channel.version, "titles": titles}))',
    ].join('\n'),
  )
  const output = device.run('shell', '-c', `exec(open(${JSON.stringify(script)}).read())`)
  const line = output.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`Kolibri printed no result:\n${output.slice(-2000)}`)
  return JSON.parse(line.slice('RESULT '.length)) as { version: number; titles: string[] }
}
