/**
 * Waits for processes to subscribe to a Redis Pub/Sub channel, counted with PUBSUB NUMSUB
 * through the adapters' test helpers.
 */
import { setTimeout as sleep } from "node:timers/promises"
import { Effect } from "effect"
import { rawRedisClient, subscriberCount } from "../../adapters/test/support/TestRedis"
import type { Child } from "./processes"

const countSubscribers = (channel: string): Promise<number> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(rawRedisClient, (client) => subscriberCount(client, channel))),
  )

/**
 * Polls until `channel` has at least `expected` subscribers. The worker starts a job only on
 * the JobCreated event, so a job created before it subscribed would stay PENDING.
 */
export const waitForSubscribers = async (
  channel: string,
  expected: number,
  child: Child,
  timeoutMs = 60_000,
): Promise<void> => {
  let exit: string | undefined
  void child.exited.then((outcome) => {
    exit = outcome
  })

  const deadline = Date.now() + timeoutMs
  let seen = 0
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(`${child.name} exited with ${exit}; see ${child.logFile}`)
    }
    seen = await countSubscribers(channel)
    if (seen >= expected) {
      return
    }
    await sleep(250)
  }
  throw new Error(
    `channel ${channel} had ${seen} subscribers after ${timeoutMs} ms, expected ${expected}; see ${child.logFile}`,
  )
}
