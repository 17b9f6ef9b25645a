import { Context, type Stream } from "effect"
import type { DomainEvent } from "../DomainEvent"

export interface EventSubscriberShape {
  /**
   * Events published after the stream starts, decoded, in the order the broker
   * delivers them. Messages that fail to decode are logged and skipped, and a
   * broken connection is retried, so the stream itself never fails. Each
   * consumer gets its own stream; ending it releases only that consumer.
   *
   * The stream ENDS when delivery may have had a gap (the broker subscription
   * was lost, or the consumer fell too far behind). A consumer then runs the
   * stream again and reloads the current state from the JobRepository.
   */
  readonly events: Stream.Stream<DomainEvent>
}

export class EventSubscriber extends Context.Tag("@jobs/domain/EventSubscriber")<
  EventSubscriber,
  EventSubscriberShape
>() {}
