import { Context, type Effect } from "effect"
import type { EventPublishError } from "../Errors"
import type { JobEvent } from "../JobEvent"

export interface EventPublisherShape {
  /**
   * Sends one event to every subscribed process. Delivery is at most once: a
   * subscriber that is disconnected at that moment never receives it, so nothing
   * may depend on an event arriving.
   */
  readonly publish: (event: JobEvent) => Effect.Effect<void, EventPublishError>
}

export class EventPublisher extends Context.Tag("@jobs/domain/EventPublisher")<
  EventPublisher,
  EventPublisherShape
>() {}
