import { JobRepository } from "@jobs/domain"
import { Effect, Layer } from "effect"
import { BatchedJobRepository, InMemoryJobRepository } from "../src/index"
import { jobRepositoryContract } from "./contract/JobRepositoryContract"

jobRepositoryContract("InMemoryJobRepository", InMemoryJobRepository.layer)

jobRepositoryContract(
  "BatchedJobRepository over InMemoryJobRepository",
  Layer.scoped(
    JobRepository,
    Effect.flatMap(InMemoryJobRepository.make, BatchedJobRepository.make),
  ),
)
