export * as InMemoryEventBus from "./memory/InMemoryEventBus"
export * as InMemoryJobRepository from "./memory/InMemoryJobRepository"
