/**
 * Texts of the job detail, its event timeline and the live event stream panel, in Japanese and
 * English. `useEventViewsText` picks the language of the page (`useI18n`). Event types, statuses,
 * producer names and messages from the API stay as they are on the wire.
 */
import type { JobStatus } from "@jobs/domain"
import { type Language, useI18n } from "./i18n"
import type { AllowedTransition, JobAction, ProducerKind } from "./state/timeline"

export interface EventViewsText {
  /** BCP 47 tag for dates and numbers. */
  readonly locale: string

  readonly detail: {
    readonly heading: (jobName: string) => string
    readonly loadingJob: string
    readonly jobLoadFailed: string
    readonly close: string
    readonly idLabel: string
    readonly statusLabel: string
  }

  readonly timeline: {
    readonly heading: string
    readonly intro: string
    readonly loading: string
    readonly loadFailed: string
    readonly empty: string
    readonly listLabel: string
    readonly timeLabel: string
    readonly producerLabel: string
    readonly versionLabel: string
    readonly delayLabel: string
    readonly producerKinds: Readonly<Record<ProducerKind, string>>
    /** The delay from the event's timestamp to its arrival in this browser. */
    readonly delay: (formatted: string) => string
    /** Shown instead of a delay for an event that came from the log, not over SSE. */
    readonly fromLog: string
    readonly transitionsHeading: (status: JobStatus) => string
    readonly transition: (transition: AllowedTransition) => string
    readonly noTransitions: string
    readonly actionsHeading: string
    readonly actions: Readonly<Record<JobAction, string>>
    readonly actionsBusy: Readonly<Record<JobAction, string>>
    readonly actionAllowed: (status: JobStatus) => string
    readonly actionNotAllowed: (status: JobStatus) => string
    readonly rejected: string
    readonly rerunCreated: (shortId: string) => string
    readonly openNewJob: string
  }

  readonly stream: {
    readonly heading: string
    readonly intro: string
    readonly typesLegend: string
    readonly jobFilterLabel: string
    readonly jobFilterHint: string
    readonly pause: string
    readonly resume: string
    readonly pausedNote: string
    readonly newCount: (count: number) => string
    readonly shownCount: (shown: number, total: number) => string
    readonly empty: string
    readonly noMatch: string
    readonly listLabel: string
    readonly arrivedLabel: string
    readonly producerLabel: string
    readonly versionLabel: string
    readonly noVersion: string
    readonly job: (shortId: string, name: string | undefined) => string
    readonly worker: (workerId: string) => string
    readonly rawLabel: (eventType: string, time: string) => string
    readonly reconnected: (time: string) => string
    readonly nothingReplayed: string
    readonly refetched: (labels: ReadonlyArray<string>) => string
    readonly nothingRefetched: string
  }
}

const en: EventViewsText = {
  locale: "en",

  detail: {
    heading: (jobName) => `Job: ${jobName}`,
    loadingJob: "Loading the job…",
    jobLoadFailed: "The job could not be loaded:",
    close: "Close",
    idLabel: "ID",
    statusLabel: "Status",
  },

  timeline: {
    heading: "Event timeline",
    intro:
      "Each change of state is a domain event. The process that made the change (the API or a worker) stores it in PostgreSQL and publishes it on Redis; the API forwards it to this page over server-sent events.",
    loading: "Loading the event log…",
    loadFailed: "The event log could not be loaded:",
    empty: "No events yet.",
    listLabel: "Events in version order",
    timeLabel: "Time",
    producerLabel: "Producer",
    versionLabel: "Version",
    delayLabel: "Delay",
    producerKinds: {
      api: "API process",
      worker: "worker process",
      other: "other process",
    },
    delay: (formatted) => `arrived live, ${formatted} after its timestamp`,
    fromLog: "from the log (loaded, not received live)",
    transitionsHeading: (status) => `Allowed transitions from ${status}`,
    transition: ({ command, target }) =>
      command === "rerun" ? `rerun: creates a new ${target} job` : `${command}: to ${target}`,
    noTransitions: "None.",
    actionsHeading: "Actions",
    actions: { cancel: "Cancel", rerun: "Re-run" },
    actionsBusy: { cancel: "Cancelling…", rerun: "Re-running…" },
    actionAllowed: (status) => `allowed from ${status}`,
    actionNotAllowed: (status) => `not allowed from ${status}: try it to see the API reject it`,
    rejected: "Rejected by the API:",
    rerunCreated: (shortId) => `New job ${shortId} created.`,
    openNewJob: "Show the new job",
  },

  stream: {
    heading: "Live event stream",
    intro:
      "Every event envelope this tab receives over server-sent events, newest first (the last 500).",
    typesLegend: "Event types",
    jobFilterLabel: "Job ID contains",
    jobFilterHint: "Worker events have no job and are hidden while this is set.",
    pause: "Pause",
    resume: "Resume",
    pausedNote: "Paused: new events are counted but not shown.",
    newCount: (count) => `${count} new`,
    shownCount: (shown, total) => `${shown} of ${total} lines shown`,
    empty: "No events yet. Create a job to see its events arrive.",
    noMatch: "No line matches the filters.",
    listLabel: "Received events, newest first",
    arrivedLabel: "Arrived",
    producerLabel: "Producer",
    versionLabel: "Version",
    noVersion: "none (worker event)",
    job: (shortId, name) => (name === undefined ? `job ${shortId}` : `job ${shortId} (${name})`),
    worker: (workerId) => `worker ${workerId}`,
    rawLabel: (eventType, time) => `${eventType} at ${time}: raw JSON`,
    reconnected: (time) => `Stream reconnected at ${time}.`,
    nothingReplayed:
      "The server replayed nothing: Redis Pub/Sub and SSE deliver at most once, so events sent while the stream was down are lost.",
    refetched: (labels) => `The page refetched: ${labels.join(", ")}.`,
    nothingRefetched: "The page has refetched nothing yet.",
  },
}

const ja: EventViewsText = {
  locale: "ja",

  detail: {
    heading: (jobName) => `ジョブ: ${jobName}`,
    loadingJob: "ジョブを読み込み中…",
    jobLoadFailed: "ジョブを読み込めませんでした:",
    close: "閉じる",
    idLabel: "ID",
    statusLabel: "状態",
  },

  timeline: {
    heading: "イベントのタイムライン",
    intro:
      "状態が変わるたびにドメインイベントが 1 つ発生します。変更したプロセス（API またはワーカー）がそれを PostgreSQL に保存して Redis に発行し、API が Server-Sent Events でこの画面に転送します。",
    loading: "イベントログを読み込み中…",
    loadFailed: "イベントログを読み込めませんでした:",
    empty: "イベントはまだありません。",
    listLabel: "バージョン順のイベント",
    timeLabel: "日時",
    producerLabel: "発行元",
    versionLabel: "バージョン",
    delayLabel: "遅延",
    producerKinds: {
      api: "API プロセス",
      worker: "ワーカープロセス",
      other: "その他のプロセス",
    },
    delay: (formatted) => `リアルタイム受信（タイムスタンプから ${formatted} 後に到着）`,
    fromLog: "ログから読み込み（リアルタイム受信ではない）",
    transitionsHeading: (status) => `${status} から可能な遷移`,
    transition: ({ command, target }) =>
      command === "rerun" ? `rerun: 新しいジョブを ${target} で作成` : `${command}: ${target} へ`,
    noTransitions: "なし。",
    actionsHeading: "操作",
    actions: { cancel: "キャンセル", rerun: "再実行" },
    actionsBusy: { cancel: "キャンセル中…", rerun: "再実行中…" },
    actionAllowed: (status) => `${status} から実行可能`,
    actionNotAllowed: (status) =>
      `${status} からは実行できません（試すと API が拒否する様子を確認できます）`,
    rejected: "API が拒否しました:",
    rerunCreated: (shortId) => `新しいジョブ ${shortId} を作成しました。`,
    openNewJob: "新しいジョブを表示",
  },

  stream: {
    heading: "イベントストリーム（リアルタイム）",
    intro:
      "このタブが Server-Sent Events で受信したイベントのエンベロープを、新しい順にすべて表示します（最新 500 件）。",
    typesLegend: "イベントの種類",
    jobFilterLabel: "ジョブ ID（部分一致）",
    jobFilterHint: "入力中はジョブを持たないワーカーのイベントを表示しません。",
    pause: "一時停止",
    resume: "再開",
    pausedNote: "一時停止中: 新しいイベントは件数だけ数え、表示しません。",
    newCount: (count) => `新着 ${count} 件`,
    shownCount: (shown, total) => `${total} 行中 ${shown} 行を表示`,
    empty: "イベントはまだありません。ジョブを作成するとイベントが届きます。",
    noMatch: "条件に一致する行はありません。",
    listLabel: "受信したイベント（新しい順）",
    arrivedLabel: "受信",
    producerLabel: "発行元",
    versionLabel: "バージョン",
    noVersion: "なし（ワーカーのイベント）",
    job: (shortId, name) =>
      name === undefined ? `ジョブ ${shortId}` : `ジョブ ${shortId}（${name}）`,
    worker: (workerId) => `ワーカー ${workerId}`,
    rawLabel: (eventType, time) => `${time} の ${eventType}: JSON 原文`,
    reconnected: (time) => `${time} にストリームが再接続しました。`,
    nothingReplayed:
      "サーバーは何も再送していません。Redis Pub/Sub と SSE の配信は最大 1 回なので、切断中に送られたイベントは失われます。",
    refetched: (labels) => `画面が再取得したもの: ${labels.join("、")}。`,
    nothingRefetched: "画面はまだ何も再取得していません。",
  },
}

export const eventViewsDictionaries: Readonly<Record<Language, EventViewsText>> = { ja, en }

/** The texts in the page's current language. */
export const useEventViewsText = (): EventViewsText => eventViewsDictionaries[useI18n().language]

/** Wall-clock time with milliseconds, so that the events of one second can be distinguished. */
export const formatClock = (locale: string, time: Date | number): string =>
  new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    fractionalSecondDigits: 3,
  }).format(time)

/** A delay in milliseconds, as milliseconds below a second and seconds above. */
export const formatDelay = (locale: string, ms: number): string =>
  Math.abs(ms) < 1_000
    ? `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(ms)} ms`
    : `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(ms / 1_000)} s`
