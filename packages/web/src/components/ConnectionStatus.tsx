import { useSyncExternalStore } from "react"
import { useConnectionSnapshot } from "../hooks/useJobEvents"
import { useNow } from "../hooks/useNow"
import { useI18n } from "../i18n"
import { connectionView, keepAliveAgeSeconds } from "../state/connection"

const subscribeOnline = (listener: () => void): (() => void) => {
  window.addEventListener("online", listener)
  window.addEventListener("offline", listener)
  return () => {
    window.removeEventListener("online", listener)
    window.removeEventListener("offline", listener)
  }
}

const isOnline = (): boolean => navigator.onLine

// The keep-alive age is shown in whole seconds, so one tick a second is enough.
const TICK_MS = 1_000

/**
 * Shows whether the page receives live events (connected, reconnecting or offline) and how long
 * ago the stream's last keep-alive arrived. Only the state is in the status region. The dot's
 * colour repeats the state's text.
 */
export const ConnectionStatus = () => {
  const { messages } = useI18n()
  const text = messages.connection
  const snapshot = useConnectionSnapshot()
  const online = useSyncExternalStore(subscribeOnline, isOnline)
  const now = useNow(TICK_MS)

  const view = connectionView({
    state: snapshot.state,
    failingSince: snapshot.failingSince,
    online,
    now,
  })
  const age = keepAliveAgeSeconds(snapshot.lastKeepAliveAt, now)

  return (
    <div className={`connection connection--${view}`} data-connection={view}>
      <span className="connection__dot" aria-hidden="true" />
      <span role="status">{text[view]}</span>
      {/* Not in the status region: a screen reader would announce it every second. */}
      <span className="connection__keep-alive" data-keep-alive-age={age ?? ""}>
        {age === null ? text.noKeepAlive : text.keepAliveAge(age)}
      </span>
    </div>
  )
}
