/** Requests asked for in the same moment, sent together.
 *
 * `gathered(run)` returns a function that takes one item and promises its own outcome. Items
 * asked for while a batch is out wait and go in the next one; items asked for in the same
 * turn of the event loop (a queue filling several slots at once) go in the same batch. `run`
 * answers one settled outcome per item, in order: an item can fail alone (a refusal) and the
 * others still succeed; if `run` itself throws, every item of its batch fails with that error.
 * Used by the upload queue for its announcements and for creating its resources
 * (benchmarks/frontend_uploads.py: one request per small file was a third of the time of 100).
 */
export function gathered<T, R>(
  run: (batch: T[]) => Promise<PromiseSettledResult<R>[]>,
  maxBatch = Infinity,
): (item: T) => Promise<R> {
  const waiting: { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }[] = []
  let sending = false

  async function send(): Promise<void> {
    sending = true
    try {
      while (waiting.length) {
        await new Promise((resolve) => setTimeout(resolve, 0))
        const batch = waiting.splice(0, maxBatch)
        try {
          const outcomes = await run(batch.map((w) => w.item))
          batch.forEach((w, i) => {
            const outcome = outcomes[i]
            if (outcome?.status === 'fulfilled') w.resolve(outcome.value)
            else w.reject(outcome ? outcome.reason : new Error('No outcome for this item.'))
          })
        } catch (error) {
          batch.forEach((w) => w.reject(error))
        }
      }
    } finally {
      sending = false
    }
  }

  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject })
      if (!sending) void send()
    })
}

/** A settled outcome, for `run`s that build them by hand. */
export const fulfilled = <R>(value: R): PromiseFulfilledResult<R> => ({ status: 'fulfilled', value })
export const rejected = (reason: unknown): PromiseRejectedResult => ({ status: 'rejected', reason })
