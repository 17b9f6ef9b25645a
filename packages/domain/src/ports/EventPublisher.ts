import { Context, type Effect } from "effect"
import type { DomainEvent } from "../DomainEvent"
import type { EventPublishError } from "../Errors"

export interface EventPublisherShape {
  /**
   * Sends one event to every subscribed process. Delivery is at most once: a
   * subscriber that is disconnected at that moment never receives it, so nothing
   * may depend on an event arriving.
   */
  readonly publish: (event: DomainEvent) => Effect.Effect<void, EventPublishError>
}

export class EventPublisher extends Context.Tag("@jobs/domain/EventPublisher")<
  EventPublisher,
  EventPublisherShape
>() {}
