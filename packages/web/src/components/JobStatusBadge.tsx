import type { JobStatus } from "@jobs/domain"
import { useI18n } from "../i18n"

// A shape per status, so that the badge does not rely on its color alone.
const symbols: Readonly<Record<JobStatus, string>> = {
  PENDING: "◷",
  RUNNING: "▶",
  COMPLETED: "✓",
  CANCELLED: "■",
  FAILED: "✕",
}

/** Shows the status as its enum name, a symbol and a color, then a translated description. */
export const JobStatusBadge = ({ status }: { readonly status: JobStatus }) => {
  const { messages } = useI18n()
  return (
    <span className="status">
      <span className={`status-badge status-badge--${status.toLowerCase()}`} data-status={status}>
        <span className="status-badge__symbol" aria-hidden="true">
          {symbols[status]}
        </span>
        {status}
      </span>
      <span className="status__label">{messages.statusLabels[status]}</span>
    </span>
  )
}
