/**
 * List latency: GET /api/jobs with 100,000 rows in the jobs table, for the first page, a
 * status filter and the 50th page by cursor, timed in the benchmark process, one request
 * at a time. The rows are inserted with one SQL statement: a mix of statuses (70 %
 * COMPLETED, 10 % FAILED, 8 % CANCELLED, 7 % PENDING, 5 % RUNNING), created_at spread over
 * about 30 days. No worker runs, so the PENDING and RUNNING rows stay as they are. The
 * RUNNING rows carry a heartbeat an hour ahead, so the API's stale-job check leaves them
 * alone during the measurement instead of failing them one by one.
 */
import { psql } from "../../../faults/support/servers"
import { loadAverage } from "../environment"
import { latencyFigures, OURS } from "../figures"
import type { Figure, Measure, Scenario } from "../scenario"
import { summarize } from "../stats"
import { prepareDatabase, startSystem } from "../system"

const FULL_ROWS = 100_000
const SMOKE_ROWS = 5_000
const FULL_SAMPLES = 200
const SMOKE_SAMPLES = 10
const WARMUP_SAMPLES = 10
const CURSOR_PAGE = 50
const REQUEST_TIMEOUT_MILLIS = 10_000

const insertRows = (rows: number) => `
  INSERT INTO jobs (id, name, duration_seconds, status, created_at, started_at, finished_at,
                    version, worker_id, heartbeat_at)
  SELECT gen_random_uuid(), 'bench job ' || i, i % 31, status, created,
         CASE WHEN status = 'PENDING' OR (status = 'CANCELLED' AND i % 2 = 0) THEN NULL
              ELSE created + interval '1 second' END,
         CASE WHEN status IN ('COMPLETED', 'FAILED', 'CANCELLED')
              THEN created + interval '5 seconds' END,
         CASE status WHEN 'PENDING' THEN 1 WHEN 'RUNNING' THEN 2 ELSE 3 END,
         CASE WHEN status = 'PENDING' OR (status = 'CANCELLED' AND i % 2 = 0) THEN NULL
              ELSE 'worker-bench' END,
         CASE WHEN status = 'RUNNING' THEN now() + interval '1 hour' END
  FROM generate_series(1, ${rows}) AS i,
       LATERAL (SELECT CASE WHEN i % 100 < 70 THEN 'COMPLETED'
                            WHEN i % 100 < 80 THEN 'FAILED'
                            WHEN i % 100 < 88 THEN 'CANCELLED'
                            WHEN i % 100 < 95 THEN 'PENDING'
                            ELSE 'RUNNING' END AS status,
                       now() - i * interval '26 seconds' AS created) AS row`

interface Page {
  readonly items: ReadonlyArray<unknown>
  readonly nextCursor: string | null
}

const getPage = async (url: string): Promise<Page> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS) })
  if (response.status !== 200) {
    throw new Error(
      `GET ${url} returned ${response.status}: ${(await response.text()).slice(0, 300)}`,
    )
  }
  return (await response.json()) as Page
}

const timedGet = async (url: string) => {
  const begin = performance.now()
  const page = await getPage(url)
  const elapsed = performance.now() - begin
  if (page.items.length === 0) {
    throw new Error(`GET ${url} returned no jobs`)
  }
  return elapsed
}

export const list: Scenario = {
  name: "list",
  title: "List latency",
  run: async (settings, stack, progress) => {
    const rows = settings.smoke ? SMOKE_ROWS : FULL_ROWS
    const samples = settings.samples ?? (settings.smoke ? SMOKE_SAMPLES : FULL_SAMPLES)
    const database = await prepareDatabase(stack)
    const insertBegin = performance.now()
    await psql(database.url, insertRows(rows))
    await psql(database.url, "ANALYZE jobs")
    progress(
      `list: ${rows} rows inserted in ${((performance.now() - insertBegin) / 1000).toFixed(1)} s`,
    )
    const system = await startSystem(stack, "bench-list", { workers: 0 }, database)

    // The cursor of page 50 is found once, by walking the pages like a client would.
    let cursor: string | null = null
    for (let page = 1; page < CURSOR_PAGE; page++) {
      const cursorParam: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`
      cursor = (await getPage(`${system.baseUrl}/api/jobs${cursorParam}`)).nextCursor
      if (cursor === null) {
        throw new Error(`the list ended before page ${CURSOR_PAGE}`)
      }
    }
    const queries = [
      { name: "GET /api/jobs (first page)", url: `${system.baseUrl}/api/jobs` },
      { name: "GET /api/jobs?status=FAILED", url: `${system.baseUrl}/api/jobs?status=FAILED` },
      {
        name: `GET /api/jobs?cursor=<page ${CURSOR_PAGE}>`,
        url: `${system.baseUrl}/api/jobs?cursor=${encodeURIComponent(cursor ?? "")}`,
      },
    ]
    for (const query of queries) {
      for (let index = 0; index < WARMUP_SAMPLES; index++) {
        await timedGet(query.url)
      }
    }

    const measures: Array<Measure> = []
    const figures: Array<Figure> = []
    const loads: Array<string> = []
    for (const query of queries) {
      const repetitions = []
      for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
        const loadBefore = loadAverage()
        const measured: Array<number> = []
        for (let index = 0; index < samples; index++) {
          measured.push(await timedGet(query.url))
        }
        const summary = summarize(measured)
        repetitions.push(summary)
        loads.push(`${query.name}: ${loadBefore} -> ${loadAverage()}`)
        progress(
          `list: ${query.name} repetition ${repetition}: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms`,
        )
      }
      measures.push({ name: query.name, repetitions })
      figures.push(...latencyFigures(`list latency, ${query.name}`, OURS, repetitions))
    }

    return {
      settings: [
        ["Rows in jobs", String(rows)],
        ["Status mix", "70 % COMPLETED, 10 % FAILED, 8 % CANCELLED, 7 % PENDING, 5 % RUNNING"],
        ["created_at", "one row every 26 s, back from now (about 30 days)"],
        ["Samples per query and repetition", String(samples)],
        ["Repetitions", String(settings.repetitions)],
        ["Warm-up requests per query (not counted)", String(WARMUP_SAMPLES)],
        ["Page size", "the API's default (20)"],
        ["Ours", "1 API server, no worker, LOG_LEVEL=info"],
      ],
      measures,
      notes: [
        "Each request is timed in the benchmark process from just before fetch() until the JSON body is parsed, one request at a time over a kept-alive connection.",
        `1-minute load average at the start and end of each repetition: ${loads.join("; ")}.`,
      ],
      figures,
    }
  },
}
