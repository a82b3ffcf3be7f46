/**
 * Starts what the browser tests drive: a fresh database (SQLite in a temp dir, or, when
 * DATABASE_URL points at PostgreSQL, a fresh `<name>_e2e` database beside it), migrated,
 * and `manage.py serve` (runserver plus a real Celery worker, over Redis when REDIS_URL is
 * set) with settings.e2e: e-mails land as files in a temp dir the tests read.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { manage, PYTHON, REPO_ROOT, type ServerState } from './server'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** A fresh PostgreSQL database named after DATABASE_URL's, with `_e2e` appended. */
function freshPostgres(url: string): { url: string; name: string } {
  const parsed = new URL(url)
  const name = `${parsed.pathname.replace(/^\//, '') || 'curation'}_e2e`
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const script = [
    'import sys, psycopg2',
    'connection = psycopg2.connect(sys.argv[1]); connection.autocommit = True',
    'cursor = connection.cursor()',
    'cursor.execute(f\'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)\')',
    'cursor.execute(f\'CREATE DATABASE "{sys.argv[2]}"\')',
  ].join('\n')
  execFileSync(PYTHON, ['-c', script, admin.toString(), name], { stdio: 'inherit' })
  parsed.pathname = `/${name}`
  return { url: parsed.toString(), name }
}

async function waitUntilUp(baseURL: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseURL}/api/bootstrap/reference`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`The live server did not start within 90 s; see ${logFile}`)
}

export default async function globalSetup(): Promise<void> {
  const frontend = path.join(REPO_ROOT, 'frontend')
  if (!existsSync(path.join(frontend, 'dist', 'index.html'))) {
    execFileSync('npx', ['vite', 'build'], { cwd: frontend, stdio: 'inherit' })
  }
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'cc-e2e-'))
  const mailDir = path.join(tmpDir, 'mail')
  mkdirSync(mailDir)
  let databaseUrl = `sqlite:///${path.join(tmpDir, 'db.sqlite3')}`
  let postgresDatabase: string | null = null
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    const fresh = freshPostgres(process.env.DATABASE_URL)
    databaseUrl = fresh.url
    postgresDatabase = fresh.name
  }
  const env: Record<string, string> = {
    DJANGO_SETTINGS_MODULE: 'contentcuration.settings.e2e',
    DATA_DIR: path.join(tmpDir, 'data'),
    E2E_MAIL_DIR: mailDir,
    DATABASE_URL: databaseUrl,
    PYTHONUNBUFFERED: '1',
  }
  manage(['migrate', '--noinput', '-v', '0'], env)

  const port = await freePort()
  const baseURL = `http://127.0.0.1:${port}`
  const logFile = path.join(tmpDir, 'server.log')
  const log = openSync(logFile, 'a')
  const server = spawn(PYTHON, ['manage.py', 'serve', `127.0.0.1:${port}`, '--concurrency', '1'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
    detached: true, // its own process group: teardown stops runserver and the worker together
  })
  server.unref()
  await waitUntilUp(baseURL, logFile)

  const state: ServerState = { baseURL, pid: server.pid!, tmpDir, mailDir, env, postgresDatabase }
  const stateFile = path.join(tmpDir, 'state.json')
  writeFileSync(stateFile, JSON.stringify(state))
  process.env.E2E_STATE = stateFile
  process.env.E2E_BASE_URL = baseURL
}
