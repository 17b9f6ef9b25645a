import type { ConnectionState } from "../hooks/useJobEvents"
import { useI18n } from "../i18n"

/** Shows whether the page receives live events, in a status region that screen readers announce. */
export const ConnectionStatus = ({ state }: { readonly state: ConnectionState }) => {
  const { messages } = useI18n()
  return (
    <p className={`connection connection--${state}`} role="status" data-connection={state}>
      <span className="connection__dot" aria-hidden="true" />
      {messages.connection[state]}
    </p>
  )
}
