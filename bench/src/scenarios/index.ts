import type { Scenario } from "../scenario"
import { cancel } from "./cancel"
import { delivery } from "./delivery"
import { floor } from "./floor"
import { list } from "./list"
import { pickup } from "./pickup"
import { throughput } from "./throughput"

/** Every scenario, in the order `bun run bench` runs them. */
export const scenarios: ReadonlyArray<Scenario> = [
  floor,
  pickup,
  throughput,
  delivery,
  cancel,
  list,
]
