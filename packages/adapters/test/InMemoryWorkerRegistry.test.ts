import { InMemoryWorkerRegistry } from "../src/index"
import { workerRegistryContract } from "./contract/WorkerRegistryContract"

workerRegistryContract("InMemoryWorkerRegistry", InMemoryWorkerRegistry.layer)
