import type { Scenario } from "../scenario"
import { cancel } from "./cancel"

/** Every scenario, in the order `bun run bench` runs them. */
export const scenarios: ReadonlyArray<Scenario> = [cancel]
