import { ConnectionStatus } from "./components/ConnectionStatus"
import { JobCreateForm } from "./components/JobCreateForm"
import { JobList } from "./components/JobList"
import { WorkerPanel } from "./components/WorkerPanel"
import { useJobs } from "./hooks/useJobs"
import { useNow } from "./hooks/useNow"
import { useWorkers } from "./hooks/useWorkers"
import { useI18n } from "./i18n"

// The progress bars of RUNNING jobs move in whole seconds, so one tick a second is enough.
const PROGRESS_TICK_MS = 1_000

export const App = () => {
  const { messages } = useI18n()
  const view = useJobs()
  const workers = useWorkers(view.findJob)

  // One clock for the whole page, running only while a job on it is RUNNING.
  const anyRunning =
    view.jobs.some((job) => job.status === "RUNNING") ||
    workers.workers.some((worker) => worker.runningJobs.length > 0)
  const now = useNow(PROGRESS_TICK_MS, anyRunning)

  return (
    <div className="page">
      <header className="app-header">
        <div>
          <h1>{messages.appName}</h1>
          <p className="app-header__summary">{messages.appSummary}</p>
        </div>
        <ConnectionStatus state={view.connection} />
      </header>
      <main className="content">
        <JobCreateForm onCreated={view.receiveJob} />
        <WorkerPanel
          workers={workers.workers}
          loading={workers.loading}
          loadError={workers.loadError}
          onRetry={workers.reload}
          now={now}
        />
        <JobList
          jobs={view.jobs}
          reasons={view.reasons}
          loading={view.loading}
          loadError={view.loadError}
          onRetry={view.reload}
          now={now}
          onJobChanged={view.receiveJob}
          onJobStale={view.refreshJob}
        />
      </main>
    </div>
  )
}
