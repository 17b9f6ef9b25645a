import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { DurationSeconds, formatRejectedValue, JobId, JobName } from "../src/index"

const decodeName = Schema.decodeUnknownEither(JobName)
const decodeDuration = Schema.decodeUnknownEither(DurationSeconds)
const decodeId = Schema.decodeUnknownEither(JobId)

describe("JobName", () => {
  it("trims surrounding spaces", () => {
    expect(decodeName("  nightly report  ")).toEqual(Either.right("nightly report"))
  })

  it("accepts 100 characters", () => {
    expect(Either.isRight(decodeName("a".repeat(100)))).toBe(true)
  })

  it("counts an emoji as one character", () => {
    expect(Either.isRight(decodeName("😀".repeat(100)))).toBe(true)
  })

  it("accepts Japanese text", () => {
    expect(decodeName("日次レポート")).toEqual(Either.right("日次レポート"))
  })

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["101 characters", "a".repeat(101)],
    ["a NUL character", "a\u0000b"],
    ["a newline inside", "a\nb"],
    ["a C1 control character", "a\u0085b"],
    ["a lone surrogate", "a\ud800b"],
    ["101 emoji", "😀".repeat(101)],
    ["a number", 5],
    ["null", null],
  ])("rejects %s", (_case, input) => {
    expect(Either.isLeft(decodeName(input))).toBe(true)
  })

  it.each([
    ["empty", "", 0],
    ["only spaces", "   ", 0],
    ["101 characters", "a".repeat(101), 101],
    ["101 emoji", "😀".repeat(101), 101],
  ])("states the accepted length for %s", (_case, input, length) => {
    const error = Either.flip(decodeName(input)).pipe(Either.getOrThrow)
    expect(error.message).toContain(
      `must be from 1 to 100 characters after trimming spaces, got ${length}`,
    )
  })
})

describe("DurationSeconds", () => {
  it.each([0, 1, 30])("accepts %d", (seconds) => {
    expect(decodeDuration(seconds)).toEqual(Either.right(seconds))
  })

  it.each([
    ["-1", -1],
    ["31", 31],
    ["1.5", 1.5],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["NaN", Number.NaN],
    ['the string "5"', "5"],
    ["null", null],
  ])("rejects %s", (_case, input) => {
    expect(Either.isLeft(decodeDuration(input))).toBe(true)
  })

  it("explains the accepted range", () => {
    const error = Either.flip(decodeDuration(31)).pipe(Either.getOrThrow)
    expect(error.message).toContain("must be a whole number of seconds from 0 to 30, got 31")
  })
})

describe("JobId", () => {
  it("accepts a UUID", () => {
    expect(Either.isRight(decodeId("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"))).toBe(true)
  })

  it.each(["not-a-uuid", "", "3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5"])("rejects %j", (input) => {
    expect(Either.isLeft(decodeId(input))).toBe(true)
  })

  it("repeats the rejected id", () => {
    const error = Either.flip(decodeId("nope")).pipe(Either.getOrThrow)
    expect(error.message).toContain(
      `must be a UUID such as 3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a, got "nope"`,
    )
  })

  it("cuts a long rejected id short", () => {
    const error = Either.flip(decodeId("a".repeat(5000))).pipe(Either.getOrThrow)
    expect(error.message).toContain(`got "${"a".repeat(40)}"... (5000 characters)`)
    expect(error.message).not.toContain("a".repeat(41))
  })
})

describe("formatRejectedValue", () => {
  it.each([
    ["a number as written", 31, "31"],
    ["Infinity as written", Number.POSITIVE_INFINITY, "Infinity"],
    ["a string as JSON", 'say "hi"', '"say \\"hi\\""'],
    ["null", null, "null"],
    ["undefined", undefined, "undefined"],
    ["an array as JSON", ["1", "2"], '["1","2"]'],
    ["a string of 40 characters whole", "b".repeat(40), `"${"b".repeat(40)}"`],
    ["a string of 41 characters cut", "b".repeat(41), `"${"b".repeat(40)}"... (41 characters)`],
    ["emoji by code point", "😀".repeat(41), `"${"😀".repeat(40)}"... (41 characters)`],
    [
      "long JSON cut",
      { text: "c".repeat(100) },
      `{"text":"${"c".repeat(31)}... (111 characters of JSON)`,
    ],
  ])("formats %s", (_case, input, expected) => {
    expect(formatRejectedValue(input)).toBe(expected)
  })
})
