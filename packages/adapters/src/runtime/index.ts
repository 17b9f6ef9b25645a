export * as AppConfig from "./AppConfig"
export * as Logging from "./Logging"
export { runMain } from "./Main"
export { repeatEvery } from "./Recurring"
