/**
 * The far end of the floor's Redis hop: subscribes to FLOOR_CHANNEL on FLOOR_REDIS_URL and
 * publishes each message it receives, unchanged, to FLOOR_CHANNEL + ":back", so the
 * benchmark can time the round trip on its own clock. Prints `ready` once subscribed.
 * Run with `node --import tsx bench/src/clients/redisSubscriber.ts`.
 */
import { Redis } from "ioredis"

const channel = process.env.FLOOR_CHANNEL
const url = process.env.FLOOR_REDIS_URL
if (channel === undefined || url === undefined) {
  throw new Error("FLOOR_CHANNEL and FLOOR_REDIS_URL must be set")
}
const subscriber = new Redis(url)
const publisher = new Redis(url)
subscriber.on("message", (_channel: string, message: string) => {
  publisher.publish(`${channel}:back`, message).catch((error: unknown) => {
    process.stderr.write(`PUBLISH failed: ${String(error)}\n`)
    process.exit(1)
  })
})
await subscriber.subscribe(channel)
process.stdout.write("ready\n")
