/// <reference types="vitest/config" />
// Build: hashed files under dist/assets, served by Django (WhiteNoise) at /static/app/;
// Django serves dist/index.html itself as the never-cached shell (contentcuration/webapp/).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import vuetify from 'vite-plugin-vuetify'
import { defineConfig, type Plugin } from 'vite'

const django = process.env.DJANGO_URL ?? 'http://127.0.0.1:8000'
// In `make dev` Vite serves the app and forwards everything Django answers to it.
const proxied = ['/api', '/accounts/login', '/accounts/logout', '/accounts/register', '/accounts/request_activation_link',
  '/accounts/password/reset', '/activate', '/content', '/zipcontent', '/static', '/admin']

// The H5P player (h5p-standalone's dist) runs in the page Django serves at /zipcontent/<md5>.h5p/
// (viewsets/file_contents.py), not in the app: it is copied as is to dist/h5p-player/, i.e.
// /static/app/h5p-player/ (WhiteNoise), and served at that path by the dev server as well.
const H5P_PLAYER = fileURLToPath(new URL('./node_modules/h5p-standalone/dist', import.meta.url))
const H5P_PLAYER_FILES = ['main.bundle.js', 'frame.bundle.js', 'styles', 'fonts', 'images']
const H5P_PLAYER_URL = '/static/app/h5p-player/'

function playerFiles(relative: string): string[] {
  const full = path.join(H5P_PLAYER, relative)
  return statSync(full).isDirectory() ? readdirSync(full).flatMap((name) => playerFiles(path.posix.join(relative, name))) : [relative]
}

function h5pPlayer(): Plugin {
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.gif': 'image/gif', '.woff': 'font/woff', '.woff2': 'font/woff2' }
  return {
    name: 'h5p-player',
    generateBundle() {
      for (const file of H5P_PLAYER_FILES.flatMap(playerFiles)) {
        this.emitFile({ type: 'asset', fileName: `h5p-player/${file}`, source: readFileSync(path.join(H5P_PLAYER, file)) })
      }
    },
    configureServer(server) {
      server.middlewares.use(H5P_PLAYER_URL, (req, res, next) => {
        const relative = decodeURIComponent((req.url ?? '').split('?')[0]!).replace(/^\/+/, '')
        const file = path.join(H5P_PLAYER, relative)
        if (!H5P_PLAYER_FILES.includes(relative.split('/')[0]!) || relative.includes('..') || !existsSync(file) || statSync(file).isDirectory()) return next()
        res.setHeader('Content-Type', types[path.extname(file)] ?? 'application/octet-stream')
        res.setHeader('Access-Control-Allow-Origin', '*') // the player page runs in an opaque origin
        res.end(readFileSync(file))
      })
    },
  }
}

export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/static/app/' : '/',
  plugins: [vue(), vuetify({ autoImport: true }), h5pPlayer()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, manifest: true, chunkSizeWarningLimit: 600 },
  server: {
    port: Number(process.env.VITE_PORT ?? 5173),
    proxy: Object.fromEntries(
      proxied.map((prefix) => [
        prefix,
        {
          target: django,
          changeOrigin: false,
          // GETs of account pages are the app's own routes: let Vite serve them.
          bypass: (req: { method?: string; headers: Record<string, string | string[] | undefined> }) =>
            prefix.startsWith('/accounts') && req.method === 'GET' && String(req.headers.accept ?? '').includes('text/html')
              ? '/index.html'
              : undefined,
        },
      ]),
    ),
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'jsdom',
    setupFiles: ['tests/unit/setup.ts'],
    server: { deps: { inline: ['vuetify'] } },
  },
}))
