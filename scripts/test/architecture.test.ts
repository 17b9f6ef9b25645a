import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..", "..")
const biome = join(root, "node_modules", ".bin", "biome")

// Lints one source text as if it were the file at `path`, with the repository's
// Biome configuration, in a scratch copy so the real tree is never touched.
const scratch = mkdtempSync(join(tmpdir(), "dependency-rule-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const lintAs = (path: string, source: string) => {
  const config = JSON.parse(readFileSync(join(root, "biome.json"), "utf8"))
  delete config.$schema
  config.vcs = { enabled: false }
  const folder = mkdtempSync(join(scratch, "case-"))
  writeFileSync(join(folder, "biome.json"), JSON.stringify(config))
  mkdirSync(join(folder, dirname(path)), { recursive: true })
  writeFileSync(join(folder, path), source)
  return spawnSync(biome, ["lint", "--max-diagnostics=50", path], { cwd: folder, encoding: "utf8" })
}

describe("dependency rule", () => {
  it.each([
    ["@jobs/adapters"],
    ["@jobs/server"],
    ["ioredis"],
    ["pg"],
    ["@effect/sql"],
    ["@effect/sql-pg"],
    ["@effect/platform-node"],
    ["node:fs"],
    ["../../adapters/src/index"],
  ])("domain importing %s fails the lint", (module) => {
    const result = lintAs(
      "packages/domain/src/Probe.ts",
      `import * as M from "${module}"\nexport const m = M\n`,
    )
    expect(result.status).not.toBe(0)
    expect(result.stdout + result.stderr).toContain("noRestrictedImports")
  })

  it("domain importing effect and @effect/platform passes the lint", () => {
    const result = lintAs(
      "packages/domain/src/Probe.ts",
      'import { Schema } from "effect"\nimport { HttpApi } from "@effect/platform"\nexport const m = [Schema, HttpApi]\n',
    )
    expect(result.stdout + result.stderr).not.toContain("noRestrictedImports")
    expect(result.status).toBe(0)
  })

  it.each([["@jobs/adapters"], ["@jobs/server"], ["ioredis"], ["../../adapters/src/index"]])(
    "web importing %s fails the lint",
    (module) => {
      const result = lintAs(
        "packages/web/src/Probe.ts",
        `import * as M from "${module}"\nexport const m = M\n`,
      )
      expect(result.status).not.toBe(0)
      expect(result.stdout + result.stderr).toContain("noRestrictedImports")
    },
  )

  it("web importing @jobs/domain passes the lint", () => {
    const result = lintAs(
      "packages/web/src/Probe.ts",
      'import { JobsApi } from "@jobs/domain"\nexport const m = JobsApi\n',
    )
    expect(result.status).toBe(0)
  })

  it("adapters importing an entry point fails the lint", () => {
    const result = lintAs(
      "packages/adapters/src/Probe.ts",
      'import * as M from "@jobs/worker"\nexport const m = M\n',
    )
    expect(result.status).not.toBe(0)
    expect(result.stdout + result.stderr).toContain("noRestrictedImports")
  })
})

describe("spec test check", () => {
  const folder = mkdtempSync(join(tmpdir(), "spec-check-"))
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  const writeSpec = (testLine: string) => {
    mkdirSync(join(folder, "openspec", "specs", "demo"), { recursive: true })
    mkdirSync(join(folder, "test"), { recursive: true })
    writeFileSync(
      join(folder, "test", "demo.test.ts"),
      'it("cancel of a completed job fails", () => {})\n',
    )
    writeFileSync(
      join(folder, "openspec", "specs", "demo", "spec.md"),
      `### Requirement: Demo\n\n#### Scenario: Cancel\n- **WHEN** x\n- **THEN** y\n${testLine}\n`,
    )
    return spawnSync("node", [join(root, "scripts", "check-spec-tests.mjs"), folder], {
      encoding: "utf8",
    })
  }

  it("passes when the named test exists", () => {
    const result = writeSpec('- **Test:** `test/demo.test.ts` "cancel of a completed job fails"')
    expect(result.status).toBe(0)
  })

  it("fails when the named test does not exist", () => {
    const result = writeSpec('- **Test:** `test/demo.test.ts` "cancel of a running job fails"')
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('no test named "cancel of a running job fails"')
  })

  it("fails when the named file does not exist", () => {
    const result = writeSpec('- **Test:** `test/missing.test.ts` "cancel of a completed job fails"')
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("test file test/missing.test.ts does not exist")
  })

  it("fails when a scenario names no test", () => {
    const result = writeSpec("")
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('scenario "Cancel" names no test')
  })
})
