/**
 * Routes (history mode). Django serves the same HTML shell for every one of these paths, so
 * a deep link works on reload. Each view is its own chunk (code split by route).
 * meta.guest: a page for signed-out visitors; everything else needs a signed-in user.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import { i18n } from '@/i18n'

declare module 'vue-router' {
  interface RouteMeta {
    guest?: boolean
    /** shown without the app bar (account pages) */
    bare?: boolean
    /** i18n key of the document title */
    title?: string
  }
}

const editor = () => import('@/views/ChannelEditView.vue')

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'channels',
    component: () => import('@/views/ChannelListView.vue'),
    meta: { title: 'titles.channels' },
  },
  { path: '/channels', redirect: '/' },
  {
    path: '/channels/:channelId/settings/:section(details|sharing)?',
    name: 'channel-settings',
    component: () => import('@/views/ChannelSettingsView.vue'),
    props: true,
    meta: { title: 'titles.settings' },
  },
  // The editor: one view for the channel's root folder, a folder, a node's edit panel and the
  // trash (the same loader, so moving between them keeps the page).
  { path: '/channels/:channelId', name: 'channel', component: editor, props: true, meta: { title: 'titles.channel' } },
  {
    path: '/channels/:channelId/folders/:folderId',
    name: 'channel-folder',
    component: editor,
    props: true,
    meta: { title: 'titles.channel' },
  },
  {
    path: '/channels/:channelId/folders/:folderId/nodes/:nodeId',
    name: 'channel-node',
    component: editor,
    props: true,
    meta: { title: 'titles.channel' },
  },
  {
    path: '/channels/:channelId/folders/:folderId/nodes/:nodeId/questions',
    name: 'channel-exercise',
    component: editor,
    props: true,
    meta: { title: 'titles.exercise' },
  },
  {
    path: '/channels/:channelId/review',
    name: 'channel-review',
    component: () => import('@/views/ReviewChangesView.vue'),
    props: true,
    meta: { title: 'titles.review' },
  },
  {
    path: '/channels/:channelId/versions',
    name: 'channel-versions',
    component: () => import('@/views/VersionHistoryView.vue'),
    props: true,
    meta: { title: 'titles.versions' },
  },
  {
    path: '/channels/:channelId/sync-reports',
    name: 'channel-sync-reports',
    component: () => import('@/views/SyncReportsView.vue'),
    props: true,
    meta: { title: 'titles.syncReports' },
  },
  { path: '/channels/:channelId/trash', name: 'channel-trash', component: editor, props: true, meta: { title: 'titles.trash' } },
  {
    path: '/settings/:rest(.*)*',
    name: 'settings',
    component: () => import('@/views/SettingsView.vue'),
    meta: { title: 'titles.settings' },
  },
  { path: '/accounts', redirect: { name: 'sign-in' } },
  {
    path: '/accounts/login',
    name: 'sign-in',
    component: () => import('@/views/accounts/SignInView.vue'),
    meta: { guest: true, bare: true, title: 'titles.signIn' },
  },
  {
    path: '/accounts/register',
    name: 'register',
    component: () => import('@/views/accounts/RegisterView.vue'),
    meta: { guest: true, bare: true, title: 'titles.register' },
  },
  {
    path: '/accounts/request_activation_link',
    name: 'request-activation',
    component: () => import('@/views/accounts/RequestActivationView.vue'),
    meta: { guest: true, bare: true, title: 'titles.requestActivation' },
  },
  {
    path: '/accounts/password/reset',
    name: 'forgot-password',
    component: () => import('@/views/accounts/ForgotPasswordView.vue'),
    meta: { guest: true, bare: true, title: 'titles.forgotPassword' },
  },
  {
    path: '/accounts/password/reset/confirm/:uid/:token',
    name: 'reset-password',
    component: () => import('@/views/accounts/ResetPasswordView.vue'),
    props: true,
    meta: { guest: true, bare: true, title: 'titles.resetPassword' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { guest: true, title: 'titles.notFound' },
  },
]

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(), routes })
  router.beforeEach((to) => {
    const session = useSessionStore()
    if (!to.meta.guest && !session.signedIn) {
      return { name: 'sign-in', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
    }
    // The reset link works whoever is signed in; the other account pages are for visitors.
    if (to.meta.guest && to.meta.bare && session.signedIn && to.name !== 'reset-password') {
      return { name: 'channels' }
    }
    return true
  })
  router.afterEach((to) => {
    const app = i18n.global.t('app.name')
    document.title = to.meta.title ? `${i18n.global.t(to.meta.title)} · ${app}` : app
  })
  return router
}
