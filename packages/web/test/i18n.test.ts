import { describe, expect, it } from "vitest"
import { dictionaries, pickLanguage } from "../src/i18n"

describe("pickLanguage", () => {
  it.each([
    [["ja-JP", "en-US"], "ja"],
    [["ja"], "ja"],
    [["en-US", "ja-JP"], "en"],
    [["fr-FR", "ja-JP"], "ja"],
    [["fr-FR", "de"], "en"],
    [[], "en"],
  ] as const)("picks %j as %s", (preferred, expected) => {
    expect(pickLanguage(preferred)).toBe(expected)
  })
})

describe("dictionaries", () => {
  it("Japanese and English define the same status labels", () => {
    expect(Object.keys(dictionaries.ja.statusLabels).sort()).toEqual(
      Object.keys(dictionaries.en.statusLabels).sort(),
    )
  })
})
