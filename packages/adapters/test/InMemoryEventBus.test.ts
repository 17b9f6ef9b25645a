import { InMemoryEventBus } from "../src/index"
import { eventBusContract } from "./contract/EventBusContract"

eventBusContract("InMemoryEventBus", InMemoryEventBus.layer)
