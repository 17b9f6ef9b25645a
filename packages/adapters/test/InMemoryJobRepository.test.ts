import { InMemoryJobRepository } from "../src/index"
import { jobRepositoryContract } from "./contract/JobRepositoryContract"

jobRepositoryContract("InMemoryJobRepository", InMemoryJobRepository.layer)
