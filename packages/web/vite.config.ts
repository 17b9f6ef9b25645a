import react from "@vitejs/plugin-react"
import { defineConfig, type ProxyOptions } from "vite"

// URL of the API server. The page calls /api on its own origin, and this proxy forwards those
// requests here.
const apiUrl = process.env.API_URL ?? "http://127.0.0.1:8000"

// The proxy pipes each response through as it arrives (nothing here compresses or buffers), so
// the server-sent events of /api/events reach the browser one by one.
const apiProxy: Record<string, ProxyOptions> = {
  "/api": {
    target: apiUrl,
    configure: (proxy) => {
      // With the API down or restarting, the proxy would return 500, which the page would
      // report as an invalid response from the API. 502 means that the API did not respond.
      // This listener runs before Vite's own, which then finds the response already sent.
      proxy.on("error", (_error, _request, response) => {
        if ("writeHead" in response && !response.headersSent) {
          response.writeHead(502, { "content-type": "text/plain" })
          response.end("the API server did not answer")
        } else {
          response.destroy()
        }
      })
      // When the API's connection breaks mid-response (the API crashed or was killed), the
      // proxy leaves the browser's side open with no data, so an event stream would hang and
      // the browser would never reconnect. Breaking the browser's side too lets it retry.
      proxy.on("proxyRes", (proxyRes, _request, response) => {
        proxyRes.on("close", () => {
          if (!proxyRes.complete) {
            response.destroy()
          }
        })
      })
    },
  },
}

export default defineConfig({
  plugins: [react()],
  build: {
    rollupOptions: {
      output: {
        // The libraries change less often than the app, so each gets a chunk of its own that
        // browsers can keep cached across app releases.
        manualChunks: {
          react: ["react", "react-dom", "react-dom/client"],
          effect: ["effect", "@effect/platform"],
        },
      },
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: apiProxy,
  },
  preview: {
    port: 4173,
    strictPort: true,
    proxy: apiProxy,
  },
})
