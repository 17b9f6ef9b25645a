import { JobStatus, MAX_JOB_SEARCH_LENGTH } from "@jobs/domain"
import { useId } from "react"
import { useI18n } from "../i18n"
import type { JobCounts } from "../state/jobCounts"

export const STATUS_FILTERS: ReadonlyArray<JobStatus> = JobStatus.literals

export interface JobFiltersProps {
  readonly status: JobStatus | null
  readonly onStatusChange: (status: JobStatus | null) => void
  /** The search box's text as typed; the list follows it after a short pause. */
  readonly search: string
  readonly onSearchChange: (search: string) => void
  /** Counts for the current search, or undefined while they load. */
  readonly counts: JobCounts | undefined
}

/**
 * The job list's status filter (All and one button per status, each with its count, the chosen
 * one pressed) and its search box with a clear button.
 */
export const JobFilters = ({
  status,
  onStatusChange,
  search,
  onSearchChange,
  counts,
}: JobFiltersProps) => {
  const text = useI18n().messages.list
  const searchId = useId()
  const hintId = useId()

  const options: ReadonlyArray<{
    readonly value: JobStatus | null
    readonly label: string
    readonly count: number | undefined
  }> = [
    { value: null, label: text.filterAll, count: counts?.total },
    ...STATUS_FILTERS.map((value) => ({ value, label: value, count: counts?.[value] })),
  ]

  return (
    <div className="job-filters">
      <fieldset className="status-filter">
        <legend className="status-filter__legend">{text.filterLabel}</legend>
        {options.map((option) => (
          <button
            key={option.value ?? "ALL"}
            type="button"
            className="status-filter__button"
            aria-pressed={option.value === status}
            data-status-filter={option.value ?? "ALL"}
            data-count={option.count ?? ""}
            onClick={() => onStatusChange(option.value)}
          >
            {text.filterWithCount(option.label, option.count)}
          </button>
        ))}
      </fieldset>
      <div className="field job-search">
        <label htmlFor={searchId}>{text.searchLabel}</label>
        <div className="job-search__row">
          <input
            id={searchId}
            type="search"
            autoComplete="off"
            maxLength={MAX_JOB_SEARCH_LENGTH}
            placeholder={text.searchPlaceholder}
            aria-describedby={hintId}
            value={search}
            onChange={(change) => onSearchChange(change.target.value)}
          />
          {search !== "" && (
            <button
              type="button"
              className="button button--small"
              onClick={() => onSearchChange("")}
            >
              {text.searchClear}
            </button>
          )}
        </div>
        <small id={hintId} className="field__hint">
          {text.searchHint}
        </small>
      </div>
    </div>
  )
}
