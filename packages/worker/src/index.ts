export * as JobRunner from "./JobRunner"
export { WorkerConfig } from "./WorkerConfig"
