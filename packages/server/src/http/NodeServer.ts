import { createServer, type Server } from "node:http"

/**
 * Creates a Node HTTP server whose shutdown finishes promptly.
 *
 * `server.close()` (Node 20) closes the keep-alive connections that are idle at
 * that moment, then waits for the others. A connection whose response was still
 * being written, such as an event stream that the shutdown is ending, would stay
 * open until the client's keep-alive timeout. So once the server has stopped
 * listening, each connection is closed as soon as its response has finished.
 */
export const createNodeServer = (): Server => {
  const server = createServer()
  server.on("request", (_request, response) => {
    response.on("finish", () => {
      if (!server.listening) {
        server.closeIdleConnections()
      }
    })
  })
  return server
}
