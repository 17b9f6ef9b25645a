import { describe, expect, it } from "vitest"
import { connectionView, keepAliveAgeSeconds, OFFLINE_AFTER_MS } from "../src/state/connection"
import {
  initialLanguage,
  initialTheme,
  LANGUAGE_STORAGE_KEY,
  type PreferenceStorage,
  THEME_STORAGE_KEY,
} from "../src/state/preferences"

const storageWith = (entries: Record<string, string>): PreferenceStorage => {
  const values = new Map(Object.entries(entries))
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => {
      values.set(key, value)
    },
  }
}

describe("preferences", () => {
  it("stored language wins over the browser's", () => {
    expect(initialLanguage(storageWith({ [LANGUAGE_STORAGE_KEY]: "ja" }), ["en-US"])).toBe("ja")
  })

  it("unknown stored language falls back to the browser's", () => {
    expect(initialLanguage(storageWith({ [LANGUAGE_STORAGE_KEY]: "fr" }), ["ja-JP"])).toBe("ja")
    expect(initialLanguage(storageWith({}), ["en-GB"])).toBe("en")
  })

  it("theme defaults to the system's", () => {
    expect(initialTheme(storageWith({}))).toBe("system")
    expect(initialTheme(storageWith({ [THEME_STORAGE_KEY]: "purple" }))).toBe("system")
    expect(initialTheme(storageWith({ [THEME_STORAGE_KEY]: "dark" }))).toBe("dark")
  })
})

describe("connection view", () => {
  const now = 1_000_000

  it("browser offline is offline even with an open stream", () => {
    expect(connectionView({ state: "open", failingSince: null, online: false, now })).toBe(
      "offline",
    )
  })

  it("reconnecting turns offline after the stream fails for long", () => {
    const shortly = now - OFFLINE_AFTER_MS + 1
    const long = now - OFFLINE_AFTER_MS - 1
    expect(
      connectionView({ state: "reconnecting", failingSince: shortly, online: true, now }),
    ).toBe("reconnecting")
    expect(connectionView({ state: "reconnecting", failingSince: long, online: true, now })).toBe(
      "offline",
    )
  })

  it("keep-alive age is whole seconds and null before the first", () => {
    expect(keepAliveAgeSeconds(null, now)).toBeNull()
    expect(keepAliveAgeSeconds(now - 2_500, now)).toBe(2)
    expect(keepAliveAgeSeconds(now + 500, now)).toBe(0)
  })
})
