import { JobId } from "@jobs/domain"
import { Option, Schema } from "effect"
import { useCallback, useEffect, useState } from "react"
import { ConnectionStatus } from "./components/ConnectionStatus"
import { JobCreateForm } from "./components/JobCreateForm"
import { JobDetail, LiveEventStream } from "./components/JobDetail"
import { JobList, jobHref } from "./components/JobList"
import { PreferenceSwitches } from "./components/PreferenceSwitches"
import { WorkerPanel } from "./components/WorkerPanel"
import { useLiveJobCache } from "./hooks/useJobs"
import { useNow } from "./hooks/useNow"
import { useWorkers } from "./hooks/useWorkers"
import { useI18n } from "./i18n"

// The progress bars of RUNNING jobs move in whole seconds, so one tick a second is enough.
const PROGRESS_TICK_MS = 1_000

const JOB_HASH = /^#\/jobs\/([^/]+)$/

/** Reads the job id of a `#/jobs/<id>` hash; returns null for any other hash. */
export const jobIdFromHash = (hash: string): JobId | null => {
  const match = JOB_HASH.exec(hash)
  if (match?.[1] === undefined) {
    return null
  }
  return Option.getOrNull(Schema.decodeUnknownOption(JobId)(decodeURIComponent(match[1])))
}

/** Tracks the selected job in the URL hash, so that a reload or the Back button keeps it. */
const useSelectedJob = (): readonly [JobId | null, (id: JobId) => void, () => void] => {
  const [selected, setSelected] = useState(() => jobIdFromHash(window.location.hash))

  useEffect(() => {
    const follow = () => setSelected(jobIdFromHash(window.location.hash))
    window.addEventListener("hashchange", follow)
    return () => window.removeEventListener("hashchange", follow)
  }, [])

  const select = useCallback((id: JobId) => {
    setSelected(id)
    if (window.location.hash !== jobHref(id)) {
      window.location.hash = jobHref(id)
    }
  }, [])

  const clear = useCallback(() => {
    setSelected(null)
    if (window.location.hash !== "") {
      window.history.pushState(null, "", window.location.pathname + window.location.search)
    }
  }, [])

  return [selected, select, clear] as const
}

export const App = () => {
  const { messages } = useI18n()
  const live = useLiveJobCache()
  const workers = useWorkers(live.findJob)
  const [selectedJobId, selectJob, clearSelection] = useSelectedJob()
  const findJobName = useCallback((id: JobId) => live.findJob(id)?.name, [live.findJob])

  // The worker panel's clock runs only while a worker runs a job; the job list has its own.
  const anyRunning = workers.workers.some((worker) => worker.runningJobs.length > 0)
  const now = useNow(PROGRESS_TICK_MS, anyRunning)

  return (
    <div className="page">
      <header className="app-header">
        <div>
          <h1>{messages.appName}</h1>
          <p className="app-header__summary">{messages.appSummary}</p>
        </div>
        <div className="app-header__side">
          <PreferenceSwitches />
          <ConnectionStatus />
        </div>
      </header>
      <main className="content">
        <JobCreateForm onCreated={live.receiveJob} />
        <WorkerPanel
          workers={workers.workers}
          loading={workers.loading}
          loadError={workers.loadError}
          onRetry={workers.reload}
          now={now}
        />
        <JobList
          reasons={live.reasons}
          onJobChanged={live.receiveJob}
          onJobStale={live.refreshJob}
          onSelectJob={selectJob}
          selectedJobId={selectedJobId}
        />
        {selectedJobId === null ? (
          <section className="panel job-detail-slot" aria-label={messages.detail.regionLabel}>
            <h2>{messages.detail.heading}</h2>
            <p className="muted">{messages.detail.nothingSelected}</p>
          </section>
        ) : (
          <JobDetail jobId={selectedJobId} onClose={clearSelection} onOpenJob={selectJob} />
        )}
        <LiveEventStream findJobName={findJobName} />
      </main>
    </div>
  )
}
