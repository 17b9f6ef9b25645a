import { Effect } from "effect"
import { type DomainEvent, isJobEvent } from "../DomainEvent"
import { EventPublisher } from "../ports/EventPublisher"

/**
 * Publishes an event whose state change is already stored. A publish failure is
 * logged and not raised: the database already stores the truth, and Pub/Sub
 * delivery is at most once anyway, so the caller's result must not depend on it.
 */
export const publishStoredEvent = (
  event: DomainEvent,
): Effect.Effect<void, never, EventPublisher> =>
  Effect.flatMap(EventPublisher, (publisher) => publisher.publish(event)).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("event publish failed").pipe(Effect.annotateLogs({ error: error.message })),
    ),
    Effect.annotateLogs({
      ...(isJobEvent(event) ? { jobId: event.jobId } : { eventWorkerId: event.workerId }),
      eventType: event._tag,
      eventId: event.eventId,
    }),
  )
