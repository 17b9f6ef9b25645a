export * as JobRunner from "./JobRunner"
export * as JobRuns from "./JobRuns"
export { WorkerConfig } from "./WorkerConfig"
