export * as JobRunner from "./JobRunner"
export * as JobRuns from "./JobRuns"
export { repeatEvery } from "./Recurring"
export { WorkerConfig } from "./WorkerConfig"
