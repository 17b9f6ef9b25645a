/**
 * The wire envelope shared by the events of every aggregate. In memory an event is a
 * tagged class with camelCase fields; between processes it is one JSON object:
 *
 *   {"event_type": "...", "<aggregate>_id": "...", "timestamp": "<ISO 8601 UTC>",
 *    "payload": {...}, "event_id": "<uuid>", ["job_version": n,] "producer": "..."}
 *
 * The payload carries the event's own fields. The header fields (event id, time,
 * producer, the aggregate's id and, for jobs, the version) move to the envelope's
 * snake_case fields.
 */
import { Schema } from "effect"

/** An envelope field that holds a header field of the event class, and its schema on the wire. */
export interface HeaderField<Wire extends string> {
  readonly wire: Wire
  readonly field: string
  readonly schema: Schema.Schema<string> | Schema.Schema<number>
}

const wireEntry = <Wire extends string>(header: HeaderField<Wire> | undefined) =>
  header === undefined
    ? {}
    : ({ [header.wire]: header.schema } as Record<Wire, typeof header.schema>)

/**
 * Builds the schema between one event class and its envelope. `id` names the
 * aggregate's id (job_id, worker_id); `version` is the aggregate's version, for the
 * aggregates that have one.
 */
export const envelopeOf = <
  Tag extends string,
  Payload extends Schema.Struct.Fields,
  Event extends { readonly _tag: Tag },
  Encoded extends { readonly _tag: Tag },
  Id extends string,
  Version extends string = never,
>(
  eventClass: Schema.Schema<Event, Encoded>,
  tag: Tag,
  payload: Payload,
  id: HeaderField<Id>,
  version?: HeaderField<Version>,
) => {
  const Wire = Schema.Struct({
    event_type: Schema.Literal(tag),
    ...wireEntry(id),
    timestamp: Schema.String,
    payload: Schema.encodedSchema(Schema.Struct(payload)),
    event_id: Schema.String,
    ...wireEntry(version),
    producer: Schema.String,
  })
  const headers = version === undefined ? [id] : [id, version]

  return Schema.transform(Wire, Schema.encodedSchema(eventClass), {
    strict: false,
    decode: (wire) => {
      const fields = wire as Record<string, unknown>
      return {
        _tag: tag,
        ...wire.payload,
        ...Object.fromEntries(headers.map((header) => [header.field, fields[header.wire]])),
        eventId: wire.event_id,
        occurredAt: wire.timestamp,
        producer: wire.producer,
      }
    },
    encode: (encoded) => {
      const { _tag, eventId, occurredAt, producer, ...rest } = encoded as Record<string, unknown>
      const wireHeaders = Object.fromEntries(
        headers.map((header) => [header.wire, rest[header.field]]),
      )
      for (const header of headers) {
        delete rest[header.field]
      }
      return {
        event_type: tag,
        [id.wire]: wireHeaders[id.wire],
        timestamp: occurredAt,
        payload: rest,
        event_id: eventId,
        ...(version === undefined ? {} : { [version.wire]: wireHeaders[version.wire] }),
        producer,
      }
    },
  }).pipe(Schema.compose(eventClass))
}
