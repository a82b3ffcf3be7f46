/** The change vocabulary of /api/sync/ (shared/spec/studio-api.md); builders live here. */

export const ChangeType = {
  CREATED: 1,
  UPDATED: 2,
  DELETED: 3,
  MOVED: 4,
  COPIED: 5,
  PUBLISHED: 6,
  SYNCED: 7,
  DEPLOYED: 8,
  UPDATED_DESCENDANTS: 9,
  PUBLISHED_NEXT: 10,
} as const

export type ChangeTypeValue = (typeof ChangeType)[keyof typeof ChangeType]
