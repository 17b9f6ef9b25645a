// Bundles the API server, the migration command and the worker into ESM files for Node 20, so
// that production runs them with plain `node` instead of compiling TypeScript at load time:
//   packages/server/dist/main.js     API server
//   packages/server/dist/migrate.js  applies the migrations and exits
//   packages/worker/dist/main.js     worker
// Each bundle contains our packages and their npm dependencies. Only Node's built-in modules and
// the optional native add-ons below stay outside. Every file gets a linked source map
// (<file>.js.map), which Node reads only when started with --enable-source-maps.
//
// Usage, from the repository root: bun run build [-- --out-dir DIR]
// --out-dir DIR writes DIR/server/ and DIR/worker/ instead of the two dist/ folders, so a test
// can build without replacing the bundles that another run may be starting.

import { rename, rm } from "node:fs/promises"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as esbuild from "esbuild"

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

const bundles = [
  {
    name: "server",
    outdir: "packages/server/dist",
    entryPoints: {
      main: "packages/server/src/main.ts",
      migrate: "packages/server/src/migrate.ts",
    },
  },
  {
    name: "worker",
    outdir: "packages/worker/dist",
    entryPoints: { main: "packages/worker/src/main.ts" },
  },
]

// Optional native add-ons, loaded with require() only when present: pg-native by pg (for
// `pg.native`, or always with NODE_PG_FORCE_NATIVE set), bufferutil and utf-8-validate by ws.
// They stay runtime requires, so a missing one raises MODULE_NOT_FOUND, which pg and ws handle
// as they do unbundled, and an installed one is still used.
const optionalAddOns = ["pg-native", "bufferutil", "utf-8-validate"]

// CommonJS dependencies (pg, ioredis) call require(). An ES module has no `require`, and the
// bundler's fallback throws on every call, so the bundle defines one for its own file.
const requireBanner = [
  'import { createRequire as createRequireForBundle } from "node:module";',
  "const require = createRequireForBundle(import.meta.url);",
].join("\n")

// Builds into a sibling folder first and then swaps it in with two renames, so a failed build
// leaves the previous bundles in place and no process loads a half-written file. Between the
// renames the folder is missing for a moment.
const buildOne = async ({ entryPoints }, outdir) => {
  const staging = `${outdir}.building-${process.pid}`
  const previous = `${outdir}.previous-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: rootDir,
    entryPoints,
    outdir: staging,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    external: optionalAddOns,
    banner: { js: requireBanner },
    // keepNames would restore the original name of each function that the bundler renames on a
    // clash (isFunction2 back to isFunction). It does so with a defineProperty call wherever a
    // function is created, inside hot loops too. In three of four paired runs on a busy
    // two-core machine, the API server and the worker used 13 to 19% more CPU time with it.
    keepNames: false,
    // Without this, the bundle keeps the comments of its dependencies, and a few of them hold
    // characters beyond Latin-1 (a typographic apostrophe in undici's). One such character
    // makes V8 keep the whole 5.7 MB source as a two-byte string, for the life of the process.
    // Dropping whitespace and comments leaves a 4.6 MB one-byte source. Three seconds after the
    // API server started, V8's large-object space held 13.2 MiB instead of 26.9 MiB (measured
    // with v8.getHeapSpaceStatistics on Node 20.20). Names stay as written, so stack traces
    // still name the functions. Their line and column point into the bundle, and
    // `node --enable-source-maps` maps them to the sources.
    minifyWhitespace: true,
    sourcemap: "linked",
    // The maps point into the sources of this checkout, so they need not carry a copy.
    sourcesContent: false,
    metafile: true,
    logLevel: "warning",
  })
  await rename(outdir, previous).catch((error) => {
    if (error.code !== "ENOENT") throw error
  })
  await rename(staging, outdir)
  await rm(previous, { recursive: true, force: true })
  return Object.values(result.metafile.outputs)
    .filter((output) => output.entryPoint !== undefined)
    .map((output) => `${output.entryPoint} ${(output.bytes / 1024 / 1024).toFixed(1)} MiB`)
}

// The value of --out-dir, or undefined for the dist/ folders.
const parseOutDir = (args) => {
  try {
    return parseArgs({ args, options: { "out-dir": { type: "string" } } }).values["out-dir"]
  } catch (error) {
    throw new Error(`${error.message}. Usage: bun run build [-- --out-dir DIR]`)
  }
}

const main = async () => {
  const outDir = parseOutDir(process.argv.slice(2))
  const began = performance.now()
  const outputs = await Promise.all(
    bundles.map((bundle) =>
      buildOne(
        bundle,
        outDir === undefined
          ? path.join(rootDir, bundle.outdir)
          : path.resolve(outDir, bundle.name),
      ),
    ),
  )
  const where = outDir === undefined ? bundles.map((bundle) => bundle.outdir).join(" and ") : outDir
  process.stdout.write(
    `bundled ${outputs.flat().join(", ")} into ${where} in ${Math.round(performance.now() - began)} ms\n`,
  )
}

main().catch((error) => {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
