/**
 * A TCP forwarder on 127.0.0.1 in front of a real server (such as PostgreSQL on
 * 127.0.0.1:5432), so a test can make that server disappear for one client and come
 * back, without touching the shared server itself.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net"

export interface TcpProxy {
  /** The port the proxy listens on; it stays the same across stop and start. */
  readonly port: number
  /** Closes the listening socket and every open connection: clients see a reset, then refusal. */
  readonly stop: () => Promise<void>
  /**
   * Keeps accepting connections but forwards nothing in either direction, like a
   * host that stopped responding without closing anything.
   */
  readonly hang: () => void
  /** Listens again on the same port and forwards new connections. */
  readonly start: () => Promise<void>
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject)
      const address = server.address()
      resolve(typeof address === "object" && address !== null ? address.port : 0)
    })
  })

export const startTcpProxy = async (targetPort: number): Promise<TcpProxy> => {
  const sockets = new Set<Socket>()
  let hanging = false

  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    // A reset from either side is expected when the proxy stops.
    socket.on("error", () => socket.destroy())
  }

  const onConnection = (client: Socket) => {
    track(client)
    if (hanging) {
      client.pause()
      return
    }
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort })
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
  }

  let server = createServer(onConnection)
  const port = await listen(server, 0)

  return {
    port,
    stop: async () => {
      hanging = false
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    hang: () => {
      hanging = true
      for (const socket of sockets) {
        socket.unpipe()
        socket.pause()
      }
    },
    start: async () => {
      hanging = false
      server = createServer(onConnection)
      await listen(server, port)
    },
  }
}
