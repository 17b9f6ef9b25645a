import type { Job } from "@jobs/domain"
import { useI18n } from "../i18n"
import { progressFraction, progressOf } from "../state/progress"

/**
 * Shows how far a RUNNING job is, as a bar and as "elapsed / total" seconds, and nothing for a
 * job in any other status. `now` comes from the list's shared clock, so every bar on the page
 * moves on the same tick.
 */
export const JobProgress = ({ job, now }: { readonly job: Job.Job; readonly now: number }) => {
  const text = useI18n().messages.list
  const progress = progressOf(job, now)
  if (progress === undefined) {
    return null
  }

  const summary = text.progressValue(progress.elapsedSeconds, progress.totalSeconds)
  const percent = progressFraction(progress) * 100

  return (
    <div className="progress">
      <div
        className="progress__track"
        role="progressbar"
        aria-label={text.progressLabel(job.name)}
        aria-valuemin={0}
        aria-valuemax={progress.totalSeconds}
        aria-valuenow={progress.elapsedSeconds}
        aria-valuetext={summary}
      >
        <div className="progress__fill" style={{ width: `${percent}%` }} />
      </div>
      {/* The progress bar's aria-valuetext already gives this text to screen readers. */}
      <span className="progress__text" aria-hidden="true">
        {summary}
      </span>
    </div>
  )
}
