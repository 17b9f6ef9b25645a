import { Context, Layer } from "effect"

/**
 * The name this process writes into the `producer` field of every event it
 * produces: `api` for the HTTP server, `worker-<id>` for a worker.
 */
export class Producer extends Context.Tag("@jobs/domain/Producer")<Producer, string>() {
  static readonly layer = (name: string): Layer.Layer<Producer> => Layer.succeed(Producer, name)
}
