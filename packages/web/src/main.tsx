import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App"
import { ApiRuntimeContext } from "./api/ApiRuntimeContext"
import { makeApiRuntime } from "./api/JobsClient"
import { dictionaries, I18nContext, pickLanguage } from "./i18n"
import "./styles.css"

const language = pickLanguage(navigator.languages)
const i18n = { language, messages: dictionaries[language] }
document.documentElement.lang = language
document.title = i18n.messages.appName

// The API is served from this page's origin: the Vite dev server proxies /api to it.
const runtime = makeApiRuntime(window.location.origin)

const container = document.getElementById("root")
if (container === null) {
  throw new Error('index.html has no element with id "root"')
}

createRoot(container).render(
  <StrictMode>
    <I18nContext.Provider value={i18n}>
      <ApiRuntimeContext.Provider value={runtime}>
        <App />
      </ApiRuntimeContext.Provider>
    </I18nContext.Provider>
  </StrictMode>,
)
