export * as ApiServer from "./ApiServer"
export { HealthProbes, type HealthProbesShape } from "./http/HealthHandlers"
export { ServerConfig } from "./ServerConfig"
export * as ServerLive from "./ServerLive"
