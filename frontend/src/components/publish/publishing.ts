/** Small pure helpers of the publish and review screens (unit-tested). */

/** Whether two ids name the same channel or node (the tasks list writes channel ids as
 * dashed UUIDs, the REST reads as 32 hex digits). */
export function sameId(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase()
}

/** A message a curator can read from a task's `traceback` ("PublishError: Disk full"), an
 * error body (`{"detail": …}` or `["…"]`) or an Error. */
export function errorMessage(error: unknown): string {
  if (error === null || error === undefined) return ''
  if (typeof error === 'string') return error.replace(/^[A-Za-z_.]*Error: /, '')
  if (Array.isArray(error)) return error.map(errorMessage).join(' ')
  if (error instanceof Error) return error.message
  if (typeof error === 'object') {
    const body = error as Record<string, unknown>
    if ('detail' in body) return errorMessage(body.detail)
    return Object.values(body).map(errorMessage).join(' ')
  }
  return String(error)
}

/** A server timestamp as the curator's locale writes a date and time. */
export function formatWhen(iso: string, locale?: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}
