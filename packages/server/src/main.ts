/**
 * Entry point of the API server: `node --import tsx packages/server/src/main.ts`.
 * Settings come from the environment (see ServerConfig and AppConfig).
 */
import { runMain } from "@jobs/adapters"
import { Layer } from "effect"
import { ServerConfig } from "./ServerConfig"
import * as ServerLive from "./ServerLive"

runMain(ServerConfig, (config) => Layer.launch(ServerLive.layer(config)))
