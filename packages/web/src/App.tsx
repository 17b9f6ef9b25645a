import { ConnectionStatus } from "./components/ConnectionStatus"
import { JobCreateForm } from "./components/JobCreateForm"
import { JobList } from "./components/JobList"
import { useJobs } from "./hooks/useJobs"
import { useI18n } from "./i18n"

export const App = () => {
  const { messages } = useI18n()
  const view = useJobs()

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
        <JobList
          jobs={view.jobs}
          reasons={view.reasons}
          loading={view.loading}
          loadError={view.loadError}
          onRetry={view.reload}
          onJobChanged={view.receiveJob}
          onJobStale={view.refreshJob}
        />
      </main>
    </div>
  )
}
