/**
 * The floor of the machine: the fastest a job system built on these servers could react.
 *
 *   - Redis hop: PUBLISH from this process until a subscriber in another process has the
 *     message, one message at a time. The subscriber publishes the message back to a
 *     subscriber here, and the hop is half of that round trip, on this process's clock.
 *   - PostgreSQL commit: a single-row INSERT, and a conditional UPDATE ... RETURNING of one
 *     row (the shape of a job claim), each in its own transaction, one at a time.
 *
 * Our app's latencies are divided by these in the comparison at the end of the report.
 */

import { Redis } from "ioredis"
import { Client } from "pg"
import {
  createTestDatabase,
  dropTestDatabase,
  newTestDatabase,
} from "../../../packages/adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../../packages/adapters/test/support/TestRedis"
import { awaitLine, startScript } from "../children"
import { loadAverage } from "../environment"
import { FLOOR_METRIC } from "../report"
import type { Figure, Scenario } from "../scenario"
import { spread, summarize } from "../stats"
import { KeyedTimes } from "../times"

const FULL_REDIS_SAMPLES = 5000
const FULL_POSTGRES_SAMPLES = 2000
const SMOKE_REDIS_SAMPLES = 200
const SMOKE_POSTGRES_SAMPLES = 100
const WARMUP_SAMPLES = 20
const STEP_TIMEOUT_MILLIS = 10_000

export const REDIS_HOP = "Redis PUBLISH -> subscriber"
export const PG_INSERT = "PG INSERT commit"
export const PG_UPDATE = "PG UPDATE ... RETURNING commit"

const timeRedisHop = async (
  publisher: Redis,
  channel: string,
  received: KeyedTimes,
  key: string,
) => {
  const sentAt = performance.now()
  const back = received.waitFor(key, STEP_TIMEOUT_MILLIS)
  await publisher.publish(channel, key)
  return ((await back) - sentAt) / 2
}

const timed = async (run: () => Promise<unknown>) => {
  const begin = performance.now()
  await run()
  return performance.now() - begin
}

export const floor: Scenario = {
  name: "floor",
  title: "Floor of the machine",
  run: async (settings, stack, progress) => {
    const redisSamples =
      settings.samples ?? (settings.smoke ? SMOKE_REDIS_SAMPLES : FULL_REDIS_SAMPLES)
    const postgresSamples =
      settings.samples ?? (settings.smoke ? SMOKE_POSTGRES_SAMPLES : FULL_POSTGRES_SAMPLES)

    const channel = uniqueChannel("bench_floor")
    const subscriber = startScript(
      stack,
      "bench-floor-subscriber",
      "bench/src/clients/redisSubscriber.ts",
      {
        FLOOR_CHANNEL: channel,
        FLOOR_REDIS_URL: REDIS_URL,
      },
    )
    const received = new KeyedTimes("Redis message")
    const listener = new Redis(REDIS_URL)
    stack.defer("close the Redis subscriber", async () => {
      listener.disconnect()
    })
    listener.on("message", (_channel: string, key: string) => {
      received.record(key, performance.now())
    })
    await listener.subscribe(`${channel}:back`)
    await awaitLine(stack, subscriber, /^ready$/m)
    const publisher = new Redis(REDIS_URL)
    stack.defer("close the Redis publisher", async () => {
      publisher.disconnect()
    })

    const database = newTestDatabase()
    stack.defer("drop the floor database", () => dropTestDatabase(database))
    await createTestDatabase({ database, migrate: false })
    const client = new Client({ connectionString: database.url })
    await client.connect()
    stack.defer("close the PostgreSQL client", () => client.end())
    await client.query("CREATE TABLE floor_rows (id bigint PRIMARY KEY, status text NOT NULL)")

    let nextId = 0
    const insert = (id: number) =>
      timed(() => client.query("INSERT INTO floor_rows (id, status) VALUES ($1, 'PENDING')", [id]))
    const update = (id: number) =>
      timed(async () => {
        const result = await client.query(
          "UPDATE floor_rows SET status = 'RUNNING' WHERE id = $1 AND status = 'PENDING' RETURNING id",
          [id],
        )
        if (result.rowCount !== 1) {
          throw new Error(`the conditional UPDATE of row ${id} changed ${result.rowCount} rows`)
        }
      })

    for (let index = 0; index < WARMUP_SAMPLES; index++) {
      await timeRedisHop(publisher, channel, received, `warm-${index}`)
      await insert(++nextId)
      await update(nextId)
    }

    const hops: Array<Array<number>> = []
    const inserts: Array<Array<number>> = []
    const updates: Array<Array<number>> = []
    const loads: Array<string> = []
    for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
      const loadBefore = loadAverage()
      const hop: Array<number> = []
      for (let index = 0; index < redisSamples; index++) {
        hop.push(await timeRedisHop(publisher, channel, received, `${repetition}-${index}`))
      }
      const first = nextId + 1
      const inserted: Array<number> = []
      for (let index = 0; index < postgresSamples; index++) {
        inserted.push(await insert(++nextId))
      }
      const updated: Array<number> = []
      for (let id = first; id <= nextId; id++) {
        updated.push(await update(id))
      }
      hops.push(hop)
      inserts.push(inserted)
      updates.push(updated)
      loads.push(`${loadBefore} -> ${loadAverage()}`)
      progress(
        `floor: repetition ${repetition}/${settings.repetitions}: Redis hop p50 ${summarize(hop).p50.toFixed(2)} ms, INSERT p50 ${summarize(inserted).p50.toFixed(2)} ms`,
      )
    }

    const measures = [
      { name: REDIS_HOP, repetitions: hops.map(summarize) },
      { name: PG_INSERT, repetitions: inserts.map(summarize) },
      { name: PG_UPDATE, repetitions: updates.map(summarize) },
    ]
    const figures: Array<Figure> = measures.flatMap((measure) =>
      (["p50", "p99"] as const).map((percentile) => ({
        metric: FLOOR_METRIC,
        system: measure.name,
        percentile,
        value: spread(measure.repetitions.map((summary) => summary[percentile])),
        higherIsBetter: false,
      })),
    )
    return {
      settings: [
        ["Redis samples per repetition", String(redisSamples)],
        ["PostgreSQL samples per repetition (each of INSERT and UPDATE)", String(postgresSamples)],
        ["Repetitions", String(settings.repetitions)],
        ["Warm-up samples (not counted)", String(WARMUP_SAMPLES)],
        [
          "Redis",
          "shared server, one publisher connection in the benchmark process, one subscriber process",
        ],
        [
          "PostgreSQL",
          "fresh database on the shared server, one connection, autocommit, table (id bigint PRIMARY KEY, status text)",
        ],
      ],
      measures,
      notes: [
        "The Redis hop is half the round trip PUBLISH -> subscriber process -> PUBLISH back -> subscriber in the benchmark process, timed with `performance.now()` of the benchmark process. The PostgreSQL figures are round trips measured in the benchmark process, including the commit's WAL flush.",
        `1-minute load average at the start and end of each repetition: ${loads.join(", ")}.`,
      ],
      figures,
    }
  },
}
