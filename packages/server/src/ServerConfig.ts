/**
 * Settings of the API server: those of every process plus PORT, HOST,
 * CORS_ORIGINS and SSE_MAX_CLIENTS.
 */
import { isIP } from "node:net"
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

// A DNS name: dot-separated labels of letters, digits and inner hyphens.
const hostNamePattern =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * The address the server listens on. The default, 127.0.0.1, accepts
 * connections from this machine only; a container that publishes the port needs
 * 0.0.0.0.
 */
export const host: Config.Config<string> = AppConfig.variable("HOST", {
  default: "127.0.0.1",
  parse: (raw) =>
    isIP(raw) !== 0 || hostNamePattern.test(raw)
      ? Either.right(raw)
      : AppConfig.invalid(
          "is not an IP address or host name",
          "the address to listen on, such as 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every network interface)",
        ),
})

/** Upper bound of SSE_MAX_CLIENTS, far above what one Node process can serve. */
const MAX_SSE_CLIENTS_LIMIT = 1_000_000

/** How many GET /api/events streams one API process keeps open at once. */
export const sseMaxClients: Config.Config<number> = AppConfig.variable("SSE_MAX_CLIENTS", {
  default: "10000",
  parse: (raw) => {
    const expected = `a whole number of event stream clients from 1 to ${MAX_SSE_CLIENTS_LIMIT}`
    if (!/^\d+$/.test(raw)) {
      return AppConfig.invalid("is not a whole number", expected)
    }
    const value = Number(raw)
    return value >= 1 && value <= MAX_SSE_CLIENTS_LIMIT
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
  readonly host: string
  readonly corsOrigins: ReadonlyArray<string>
  readonly sseMaxClients: number
}

export const ServerConfig: Config.Config<ServerConfig> = Config.all({
  common: AppConfig.common,
  port,
  host,
  corsOrigins,
  sseMaxClients,
}).pipe(Config.map(({ common, ...server }) => ({ ...common, ...server })))
