/**
 * Settings of the API server: those of every process plus PORT and CORS_ORIGINS.
 */
import { AppConfig } from "@jobs/adapters"
import { Config, Either } from "effect"

export const port: Config.Config<number> = AppConfig.variable("PORT", {
  default: "8000",
  parse: (raw) => {
    const expected = "a whole number from 1 to 65535"
    if (!/^\d+$/.test(raw)) {
      return AppConfig.invalid("is not a whole number", expected)
    }
    const value = Number(raw)
    return value >= 1 && value <= 65535
      ? Either.right(value)
      : AppConfig.invalid("is out of range", expected)
  },
})

/** Origins a browser may call the API from (the Vite dev server by default). */
export const corsOrigins: Config.Config<ReadonlyArray<string>> = AppConfig.variable(
  "CORS_ORIGINS",
  {
    default: "http://localhost:5173,http://127.0.0.1:5173",
    parse: (raw) => {
      const expected =
        "a comma-separated list of origins such as http://localhost:5173,https://jobs.example.com"
      const origins = raw
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== "")
      const wrong = origins.find((origin) => !isOrigin(origin))
      if (wrong !== undefined) {
        return AppConfig.invalid(
          `contains ${JSON.stringify(wrong)}, which is not an origin`,
          expected,
        )
      }
      return origins.length === 0
        ? AppConfig.invalid("lists no origin", expected)
        : Either.right(origins)
    },
  },
)

// An origin is scheme, host and optional port, with no path, query or trailing slash.
const isOrigin = (text: string): boolean => {
  if (!URL.canParse(text)) {
    return false
  }
  const url = new URL(text)
  return (url.protocol === "http:" || url.protocol === "https:") && url.origin === text
}

export interface ServerConfig extends AppConfig.CommonConfig {
  readonly port: number
  readonly corsOrigins: ReadonlyArray<string>
}

export const ServerConfig: Config.Config<ServerConfig> = Config.all({
  common: AppConfig.common,
  port,
  corsOrigins,
}).pipe(Config.map(({ common, port, corsOrigins }) => ({ ...common, port, corsOrigins })))
