import { Clock, Effect } from "effect"
import type { EventMeta } from "../Job"
import { Producer } from "../Producer"

/** A fresh random UUID (version 4) from the platform's crypto API. */
export const randomUuid: Effect.Effect<string> = Effect.sync(() => globalThis.crypto.randomUUID())

/** Metadata for the next event: a new id, the current time and this process's producer name. */
export const nextEventMeta: Effect.Effect<EventMeta, never, Producer> = Effect.gen(function* () {
  const eventId = yield* randomUuid
  const millis = yield* Clock.currentTimeMillis
  const producer = yield* Producer
  return { eventId, occurredAt: new Date(millis), producer }
})
