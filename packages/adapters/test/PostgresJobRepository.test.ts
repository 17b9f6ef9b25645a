import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Postgres, PostgresJobRepository } from "../src/index"
import { jobRepositoryContract } from "./contract/JobRepositoryContract"
import { createTestDatabase, dropTestDatabase, newTestDatabase } from "./support/TestDatabase"

const database = newTestDatabase()

beforeAll(() => createTestDatabase({ database, migrate: true }))
afterAll(() => dropTestDatabase(database))

// Every test starts from an empty table, like the in-memory adapter's fresh Ref.
const emptyJobsTable = Layer.effectDiscard(
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`TRUNCATE jobs`),
)

jobRepositoryContract(
  "PostgresJobRepository",
  PostgresJobRepository.layer.pipe(
    Layer.provide(emptyJobsTable),
    Layer.provide(Postgres.layer({ url: database.redactedUrl })),
  ),
)
