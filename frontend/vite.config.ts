/// <reference types="vitest/config" />
// Build: hashed files under dist/assets, served by Django (WhiteNoise) at /static/app/;
// Django serves dist/index.html itself as the never-cached shell (contentcuration/webapp/).
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import vuetify from 'vite-plugin-vuetify'
import { defineConfig } from 'vite'

const django = process.env.DJANGO_URL ?? 'http://127.0.0.1:8000'
// In `make dev` Vite serves the app and forwards everything Django answers to it.
const proxied = ['/api', '/accounts/login', '/accounts/logout', '/accounts/register', '/accounts/request_activation_link',
  '/accounts/password/reset', '/activate', '/content', '/static', '/admin']

export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/static/app/' : '/',
  plugins: [vue(), vuetify({ autoImport: true })],
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
