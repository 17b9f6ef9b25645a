import { QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App"
import { ApiRuntimeContext } from "./api/ApiRuntimeContext"
import { makeApiRuntime } from "./api/JobsClient"
import { PreferencesProvider, readInitialPreferences } from "./Preferences"
import "./styles.css"

const preferences = readInitialPreferences()

// The API is served from this page's origin: the Vite dev server proxies /api to it.
const runtime = makeApiRuntime(window.location.origin)

// Server state lives in this cache. The event stream keeps it current, so a query is not
// refetched just because the window regains focus.
const queryClient = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: false } },
})

const container = document.getElementById("root")
if (container === null) {
  throw new Error('index.html has no element with id "root"')
}

createRoot(container).render(
  <StrictMode>
    <PreferencesProvider initial={preferences}>
      <ApiRuntimeContext.Provider value={runtime}>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </ApiRuntimeContext.Provider>
    </PreferencesProvider>
  </StrictMode>,
)
