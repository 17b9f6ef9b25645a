import { createServer } from "node:net"

/**
 * Returns a TCP port on 127.0.0.1 that nothing listens on: it binds port 0, notes the
 * port the system picked, and closes the listener again.
 */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port was assigned"))))
    })
  })
