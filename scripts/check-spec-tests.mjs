#!/usr/bin/env node
// Checks that every OpenSpec scenario names the test that checks it, and that the
// named test exists. A scenario carries one or more lines of the form
//
//   - **Test:** `packages/server/test/http.test.ts` "cancel of a completed job returns 409"
//
// The file must exist and contain the quoted test name verbatim, as written in the
// test's title, a describe title or a table row. A renamed or deleted test then
// fails the build instead of leaving the spec pointing at nothing.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"

// The repository root, or the folder given as the first argument (used by its test).
const root = process.argv[2] ?? new URL("..", import.meta.url).pathname
const specsDir = join(root, "openspec", "specs")

const testLine = /^\s*-\s+\*\*Test:\*\*\s+`([^`]+)`\s+"([^"]+)"\s*$/

const specFiles = readdirSync(specsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(specsDir, entry.name, "spec.md"))
  .filter((path) => existsSync(path))

const problems = []
let scenarioCount = 0
let testCount = 0

for (const specFile of specFiles) {
  const lines = readFileSync(specFile, "utf8").split("\n")
  const where = (index) => `${relative(root, specFile)}:${index + 1}`
  let scenario = null

  const closeScenario = () => {
    if (scenario !== null && scenario.tests === 0) {
      problems.push(`${where(scenario.line)}: scenario "${scenario.title}" names no test`)
    }
    scenario = null
  }

  lines.forEach((line, index) => {
    if (line.startsWith("#")) {
      closeScenario()
      const match = /^####\s+Scenario:\s*(.+)$/.exec(line)
      if (match) {
        scenario = { title: match[1].trim(), line: index, tests: 0 }
        scenarioCount++
      }
      return
    }
    if (!line.includes("**Test:**")) {
      return
    }
    const match = testLine.exec(line)
    if (match === null) {
      problems.push(`${where(index)}: expected - **Test:** \`path/to/file.test.ts\` "test name"`)
      return
    }
    if (scenario === null) {
      problems.push(`${where(index)}: a Test line outside a scenario`)
      return
    }
    const [, testPath, testName] = match
    scenario.tests++
    testCount++
    const absolute = join(root, testPath)
    if (!existsSync(absolute)) {
      problems.push(`${where(index)}: test file ${testPath} does not exist`)
      return
    }
    if (!readFileSync(absolute, "utf8").includes(testName)) {
      problems.push(`${where(index)}: no test named "${testName}" in ${testPath}`)
    }
  })
  closeScenario()
}

if (problems.length > 0) {
  console.error(`OpenSpec scenarios with missing tests (${problems.length}):`)
  for (const problem of problems) {
    console.error(`  ${problem}`)
  }
  process.exit(1)
}
console.log(`${scenarioCount} scenarios name ${testCount} tests, all found`)
