/**
 * UI texts in Japanese and English. The language is the one the user chose with the switch in
 * the header (remembered in localStorage), or else the first supported one of the browser's
 * preferred languages (see `pickLanguage`). Messages from the API stay as the API wrote them
 * (English), after a translated sentence that introduces them.
 */
import type { JobStatus } from "@jobs/domain"
import { createContext, useContext } from "react"
import type { WorkerState } from "./state/workerList"

export type Language = "ja" | "en"

export interface Messages {
  readonly appName: string
  readonly appSummary: string

  readonly connection: {
    readonly connecting: string
    readonly open: string
    readonly reconnecting: string
    /** The browser has no network, or the stream has failed to open for a while. */
    readonly offline: string
    /** Age of the last keep-alive event of the stream, in whole seconds. */
    readonly keepAliveAge: (seconds: number) => string
    readonly noKeepAlive: string
  }

  readonly preferences: {
    readonly languageLabel: string
    readonly languageNames: Readonly<Record<Language, string>>
    readonly themeLabel: string
    readonly themes: Readonly<Record<"system" | "light" | "dark", string>>
  }

  readonly form: {
    readonly heading: string
    readonly nameLabel: string
    readonly namePlaceholder: string
    readonly durationLabel: string
    readonly durationHint: string
    readonly submit: string
    readonly submitting: string
    readonly failed: string
  }

  readonly list: {
    readonly heading: string
    readonly loading: string
    readonly empty: string
    readonly loadFailed: string
    readonly retry: string
    readonly columnName: string
    readonly columnStatus: string
    readonly columnDuration: string
    readonly columnCreated: string
    readonly columnActions: string
    readonly cancel: string
    readonly cancelling: string
    readonly cancelFailed: (jobName: string) => string
    readonly rerun: string
    readonly rerunning: string
    readonly rerunFailed: (jobName: string) => string
    readonly seconds: (count: number) => string
    /** Introduces the reason of a JobFailed event, as the worker or the API wrote it. */
    readonly failedReason: string
    /** Introduces the reason of a JobRequeued event, shown while the job is PENDING again. */
    readonly requeuedReason: string
    readonly runningOn: (workerId: string) => string
    /** Accessible name of a RUNNING job's progress bar. */
    readonly progressLabel: (jobName: string) => string
    /** Elapsed and total seconds of a RUNNING job, shown beside its progress bar. */
    readonly progressValue: (elapsed: number, total: number) => string
    /** Accessible name of the group of status filter buttons. */
    readonly filterLabel: string
    readonly filterAll: string
    /** A filter button's text: the status or "All", and its count when known. */
    readonly filterWithCount: (label: string, count: number | undefined) => string
    readonly searchLabel: string
    readonly searchPlaceholder: string
    readonly searchHint: string
    readonly searchClear: string
    readonly loadMore: string
    readonly loadingMore: string
    /** Shown when a status filter, a search or both match no job. */
    readonly emptyFiltered: (status: string | null, search: string) => string
    /** Hidden text after a job's name link, saying what the link opens. */
    readonly openDetail: string
  }

  readonly detail: {
    /** Accessible name of the region where the selected job's details appear. */
    readonly regionLabel: string
    readonly heading: string
    readonly nothingSelected: string
  }

  readonly workers: {
    readonly heading: string
    readonly loading: string
    readonly empty: string
    readonly loadFailed: string
    readonly retry: string
    /** The state of a worker in words, so that it does not rest on the card's look alone. */
    readonly states: Readonly<Record<WorkerState, string>>
    readonly host: string
    readonly pid: string
    readonly started: string
    readonly stopped: string
    /** Busy slots of a worker: jobs it runs now out of its concurrency. */
    readonly slots: (busy: number, concurrency: number) => string
    /** Accessible name of the list of a worker's running jobs. */
    readonly jobsOf: (workerId: string) => string
    readonly noJobs: string
    /** Label before a job's short id. */
    readonly jobId: string
  }

  /** A short explanation shown next to each status name (the enum value stays visible). */
  readonly statusLabels: Readonly<Record<JobStatus, string>>

  readonly failures: {
    readonly network: string
    readonly unexpectedResponse: (status: number | undefined) => string
    readonly unexpected: string
  }
}

const en: Messages = {
  appName: "Job Runner",
  appSummary:
    "Create a dummy job: a separate worker process runs it, and each status change arrives here live over server-sent events.",

  connection: {
    connecting: "Connecting to live updates…",
    open: "Live updates on",
    reconnecting: "Live updates lost, reconnecting…",
    offline: "Offline: live updates are not arriving",
    keepAliveAge: (seconds) =>
      seconds === 1 ? "last keep-alive 1 s ago" : `last keep-alive ${seconds} s ago`,
    noKeepAlive: "no keep-alive yet",
  },

  preferences: {
    languageLabel: "Language",
    languageNames: { ja: "日本語", en: "English" },
    themeLabel: "Theme",
    themes: { system: "System", light: "Light", dark: "Dark" },
  },

  form: {
    heading: "New job",
    nameLabel: "Name",
    namePlaceholder: "e.g. nightly-report",
    durationLabel: "Duration (seconds)",
    durationHint: "Whole seconds from 0 to 30.",
    submit: "Create job",
    submitting: "Creating…",
    failed: "The job was not created:",
  },

  list: {
    heading: "Jobs",
    loading: "Loading jobs…",
    empty: "No jobs yet. Create one above.",
    loadFailed: "The job list could not be loaded:",
    retry: "Retry",
    columnName: "Name",
    columnStatus: "Status",
    columnDuration: "Duration",
    columnCreated: "Created",
    columnActions: "Actions",
    cancel: "Cancel",
    cancelling: "Cancelling…",
    cancelFailed: (jobName) => `"${jobName}" was not cancelled:`,
    rerun: "Re-run",
    rerunning: "Re-running…",
    rerunFailed: (jobName) => `"${jobName}" was not re-run:`,
    seconds: (count) => (count === 1 ? "1 second" : `${count} seconds`),
    failedReason: "Reason:",
    requeuedReason: "Requeued:",
    runningOn: (workerId) => `Worker: ${workerId}`,
    progressLabel: (jobName) => `Progress of ${jobName}`,
    progressValue: (elapsed, total) => `${elapsed} / ${total} s`,
    filterLabel: "Filter by status",
    filterAll: "All",
    filterWithCount: (label, count) => (count === undefined ? label : `${label} (${count})`),
    searchLabel: "Search jobs",
    searchPlaceholder: "Part of a name, or a job ID",
    searchHint: "Matches names containing the text (ignoring case) or the exact job ID.",
    searchClear: "Clear search",
    loadMore: "Load more",
    loadingMore: "Loading…",
    emptyFiltered: (status, search) => {
      if (status !== null && search !== "") {
        return `No ${status} job matches "${search}".`
      }
      if (status !== null) {
        return `No job is ${status}.`
      }
      return `No job matches "${search}".`
    },
    openDetail: "(show details)",
  },

  detail: {
    regionLabel: "Job details",
    heading: "Job details",
    nothingSelected: "Select a job name in the list to see its details here.",
  },

  workers: {
    heading: "Workers",
    loading: "Loading workers…",
    empty: "No worker has registered. Jobs wait as PENDING until one starts.",
    loadFailed: "The worker list could not be loaded:",
    retry: "Retry",
    states: {
      alive: "alive",
      unresponsive: "not responding",
      shutdown: "stopped (shutdown)",
      lost: "lost (heartbeats stopped)",
    },
    host: "Host",
    pid: "PID",
    started: "Started",
    stopped: "Stopped",
    slots: (busy, concurrency) => `${busy} / ${concurrency} slots busy`,
    jobsOf: (workerId) => `Jobs running on ${workerId}`,
    noJobs: "No job running.",
    jobId: "ID",
  },

  statusLabels: {
    PENDING: "waiting for a worker",
    RUNNING: "in progress",
    COMPLETED: "finished",
    CANCELLED: "cancelled by request",
    FAILED: "ended with an error",
  },

  failures: {
    network: "The API could not be reached. Check that the API server is running.",
    unexpectedResponse: (status) =>
      status === undefined
        ? "The API sent a response this page cannot read."
        : `The API sent a response this page cannot read (HTTP ${status}).`,
    unexpected: "Something went wrong in this page. The browser console has the details.",
  },
}

const ja: Messages = {
  appName: "ジョブランナー",
  appSummary:
    "ダミーのジョブを作成すると、別プロセスのワーカーが実行します。状態の変化は Server-Sent Events でこの画面にリアルタイムに届きます。",

  connection: {
    connecting: "リアルタイム更新に接続中…",
    open: "リアルタイム更新: オン",
    reconnecting: "リアルタイム更新が切断されました。再接続中…",
    offline: "オフライン: リアルタイム更新が届いていません",
    keepAliveAge: (seconds) => `最後のキープアライブ: ${seconds} 秒前`,
    noKeepAlive: "キープアライブ未受信",
  },

  preferences: {
    languageLabel: "言語",
    languageNames: { ja: "日本語", en: "English" },
    themeLabel: "配色",
    themes: { system: "システム設定", light: "ライト", dark: "ダーク" },
  },

  form: {
    heading: "新しいジョブ",
    nameLabel: "名前",
    namePlaceholder: "例: nightly-report",
    durationLabel: "実行時間（秒）",
    durationHint: "0〜30 の整数（秒）。",
    submit: "ジョブを作成",
    submitting: "作成中…",
    failed: "ジョブを作成できませんでした:",
  },

  list: {
    heading: "ジョブ一覧",
    loading: "ジョブを読み込み中…",
    empty: "ジョブはまだありません。上のフォームから作成してください。",
    loadFailed: "ジョブ一覧を読み込めませんでした:",
    retry: "再試行",
    columnName: "名前",
    columnStatus: "状態",
    columnDuration: "実行時間",
    columnCreated: "作成日時",
    columnActions: "操作",
    cancel: "キャンセル",
    cancelling: "キャンセル中…",
    cancelFailed: (jobName) => `「${jobName}」をキャンセルできませんでした:`,
    rerun: "再実行",
    rerunning: "再実行中…",
    rerunFailed: (jobName) => `「${jobName}」を再実行できませんでした:`,
    seconds: (count) => `${count} 秒`,
    failedReason: "理由:",
    requeuedReason: "待機に戻った理由:",
    runningOn: (workerId) => `ワーカー: ${workerId}`,
    progressLabel: (jobName) => `${jobName} の進捗`,
    progressValue: (elapsed, total) => `${elapsed} / ${total} 秒`,
    filterLabel: "状態で絞り込み",
    filterAll: "すべて",
    filterWithCount: (label, count) => (count === undefined ? label : `${label}（${count}）`),
    searchLabel: "ジョブを検索",
    searchPlaceholder: "名前の一部、またはジョブ ID",
    searchHint:
      "名前にその文字列を含むジョブ（大文字と小文字は区別しない）か、ID が完全に一致するジョブを表示します。",
    searchClear: "検索をクリア",
    loadMore: "さらに読み込む",
    loadingMore: "読み込み中…",
    emptyFiltered: (status, search) => {
      if (status !== null && search !== "") {
        return `「${search}」に一致する ${status} のジョブはありません。`
      }
      if (status !== null) {
        return `${status} のジョブはありません。`
      }
      return `「${search}」に一致するジョブはありません。`
    },
    openDetail: "（詳細を表示）",
  },

  detail: {
    regionLabel: "ジョブの詳細",
    heading: "ジョブの詳細",
    nothingSelected: "一覧でジョブ名を選ぶと、ここに詳細が表示されます。",
  },

  workers: {
    heading: "ワーカー",
    loading: "ワーカーを読み込み中…",
    empty:
      "登録済みのワーカーはありません。ワーカーが起動するまでジョブは PENDING のまま待機します。",
    loadFailed: "ワーカー一覧を読み込めませんでした:",
    retry: "再試行",
    states: {
      alive: "稼働中",
      unresponsive: "応答なし",
      shutdown: "停止（シャットダウン）",
      lost: "消失（ハートビート途絶）",
    },
    host: "ホスト",
    pid: "PID",
    started: "起動日時",
    stopped: "停止日時",
    slots: (busy, concurrency) => `使用中スロット ${busy} / ${concurrency}`,
    jobsOf: (workerId) => `${workerId} で実行中のジョブ`,
    noJobs: "実行中のジョブはありません。",
    jobId: "ID",
  },

  statusLabels: {
    PENDING: "待機中",
    RUNNING: "実行中",
    COMPLETED: "完了",
    CANCELLED: "キャンセル済み",
    FAILED: "失敗",
  },

  failures: {
    network: "API に接続できません。API サーバーが起動しているか確認してください。",
    unexpectedResponse: (status) =>
      status === undefined
        ? "API から読み取れない応答が返りました。"
        : `API から読み取れない応答が返りました（HTTP ${status}）。`,
    unexpected: "画面内でエラーが発生しました。詳細はブラウザのコンソールを確認してください。",
  },
}

export const dictionaries: Readonly<Record<Language, Messages>> = { ja, en }

/**
 * Picks the first supported language in the browser's preference order: a `ja*` tag selects
 * Japanese, an `en*` tag English. Without either, the page is in English.
 */
export const pickLanguage = (preferred: ReadonlyArray<string>): Language => {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0]
    if (primary === "ja" || primary === "en") {
      return primary
    }
  }
  return "en"
}

export interface I18n {
  readonly language: Language
  readonly messages: Messages
}

export const I18nContext = createContext<I18n>({ language: "en", messages: en })

export const useI18n = (): I18n => useContext(I18nContext)
