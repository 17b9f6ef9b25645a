/**
 * Entry point of the API server: `node --import tsx packages/server/src/main.ts`.
 * Settings come from the environment (see ServerConfig and AppConfig).
 */
import { runMain } from "@jobs/adapters"
import { Effect, Layer } from "effect"
import { ServerConfig } from "./ServerConfig"
import * as ServerLive from "./ServerLive"

// SIGTERM or SIGINT interrupts the launched layer. The line is logged after every
// layer has been released: open event streams ended, server and connections closed.
runMain(ServerConfig, (config) =>
  Layer.launch(ServerLive.layer(config)).pipe(
    Effect.onInterrupt(() => Effect.logInfo("api stopped")),
  ),
)
