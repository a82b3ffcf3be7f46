// The app's service worker: lets a curator reload the app while offline. Page loads go to
// the network first and fall back to the last copy of that page (the app then reads its
// unsent changes and the last server copies from IndexedDB); hashed assets are kept once
// fetched. Nothing else is touched: /api requests always go to the network.
const SHELL = 'cc-shell-v1'
const ASSETS = 'cc-assets-v1'
const APP_PAGES = /^\/(?:$|channels(?:\/|$)|settings(?:\/|$))/

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && APP_PAGES.test(url.pathname)) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone()
            event.waitUntil(caches.open(SHELL).then((cache) => cache.put(url.pathname, copy)))
          }
          return response
        })
        .catch(async () => {
          const cache = await caches.open(SHELL)
          return (await cache.match(url.pathname)) || (await cache.match('/')) || Response.error()
        }),
    )
    return
  }
  if (url.pathname.startsWith('/static/app/assets/')) {
    event.respondWith(
      caches.open(ASSETS).then(async (cache) => {
        const hit = await cache.match(request)
        if (hit) return hit
        const response = await fetch(request)
        if (response.ok) event.waitUntil(cache.put(request, response.clone()))
        return response
      }),
    )
  }
})
