/**
 * The listening capability: lets a cell accept TCP connections on a loopback
 * port the host chose (or an ephemeral one).
 *
 * Invariants:
 * 1. Only loopback addresses can be bound; the host address is fixed when the
 *    capability is made, and the cell cannot choose another.
 * 2. At most `maxConnections` accepted sockets are open at once; further
 *    incoming connections are closed immediately and never reach the cell.
 * 3. Listeners and accepted sockets are registered with the scope; closing
 *    the scope closes them all.
 * 4. Accepted sockets reach the cell only as socket capabilities (see
 *    `net-socket-cap.ts`).
 *
 * It does not bind non-loopback interfaces, and does no TLS.
 */
import { createServer, type Server, type Socket } from "node:net";
import { CellError } from "@padded-cell/membrane";
import { canonicalizeHost, classifyAddress, hostPort } from "./address-canonical.js";
import { makeByteBudget, makeSocketCap, type SocketCap } from "./net-socket-cap.js";
import type { ResourceScope } from "../resource-scope.js";

const NumberIsInteger = Number.isInteger;

/** Options of {@link makeListenCap}. */
export interface ListenCapOptions {
  /** Loopback address to bind (default `127.0.0.1`); anything else is refused. */
  readonly host?: string | undefined;
  /** Port (default 0: an ephemeral port, reported by the listener). */
  readonly port?: number | undefined;
  /** Concurrent accepted connections (default 16). */
  readonly maxConnections?: number | undefined;
  /** Total bytes read + written across all accepted connections (default unlimited). */
  readonly maxBytes?: number | undefined;
  /** Scope that owns the listeners and sockets. */
  readonly scope?: ResourceScope | undefined;
}

/** A bound listener, as a cell sees it. */
export interface ListenerCap {
  /** Where it listens. */
  readonly address: { readonly host: string; readonly port: number };
  /** The incoming connections; ends when the listener closes. */
  accept(): AsyncIterableIterator<SocketCap>;
  /** Same as `accept()`, so `for await (const socket of listener)` works. */
  [Symbol.asyncIterator](): AsyncIterableIterator<SocketCap>;
  /** Stop listening (accepted sockets stay open until closed). */
  close(): Promise<void>;
}

/** The listening capability a cell holds. */
export interface ListenCap {
  /** Start listening. */
  listen(): Promise<ListenerCap>;
}

/**
 * Make a capability to listen on a loopback port.
 *
 * @example
 * ```ts
 * const listenCap = makeListenCap({ port: 0, maxConnections: 8, scope });
 * const listener = await listenCap.listen();
 * for await (const socket of listener) {
 *   for await (const chunk of socket) await socket.write(chunk); // echo
 * }
 * ```
 */
export function makeListenCap(options: ListenCapOptions = {}): ListenCap {
  const host = canonicalizeHost(options.host ?? "127.0.0.1");
  if (host.kind === "name" || classifyAddress(host.host) !== "loopback") {
    throw new CellError(
      "NET_DENIED",
      `listen on ${host.host} denied: a listen capability only binds loopback addresses.`,
    );
  }
  const port = options.port ?? 0;
  if (!NumberIsInteger(port) || port < 0 || port > 65535) {
    throw new CellError("NET_BAD_ADDRESS", "listen: the port must be an integer from 0 to 65535.");
  }
  const maxConnections = options.maxConnections ?? 16;
  const maxBytes = options.maxBytes ?? Infinity;
  const { scope } = options;
  const budget = makeByteBudget(maxBytes);
  let active = 0;

  const listen = async (): Promise<ListenerCap> => {
    scope?.assertOpen();
    const pending: SocketCap[] = [];
    const waiters: ((r: IteratorResult<SocketCap>) => void)[] = [];
    let stopped = false;
    let boundPort = 0;

    const onConnection = (socket: Socket): void => {
      // Invariant 2: over the limit, or after close, the connection never reaches the cell.
      if (stopped || active >= maxConnections || scope?.closed === true) {
        socket.destroy();
        return;
      }
      active += 1;
      let cap: SocketCap;
      try {
        cap = makeSocketCap(socket, {
          remote: {
            host: canonicalizeHost(socket.remoteAddress ?? host.host).host,
            port: socket.remotePort ?? 0,
          },
          label: `connection on ${hostPort(host.host, boundPort)}`,
          budget,
          maxBytes,
          scope,
          onClose: () => {
            active -= 1;
          },
        });
      } catch {
        return; // scope closed: makeSocketCap destroyed it, its close event released the slot
      }
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter(harden({ done: false, value: cap }));
      else pending.push(cap);
    };

    const server: Server = createServer({ pauseOnConnect: false }, onConnection);
    server.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      server.once("error", () =>
        reject(
          new CellError(
            "NET_CONNECT_FAILED",
            `listen on ${hostPort(host.host, port)} failed: the port is not available.`,
          ),
        ),
      );
      server.listen({ host: host.host, port, exclusive: true }, () => resolve());
    });
    const address = server.address();
    boundPort = typeof address === "object" && address !== null ? address.port : port;

    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      unregister();
      for (const waiter of waiters.splice(0)) waiter(harden({ done: true, value: undefined }));
      await Promise.all(pending.splice(0).map((s) => s.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    let unregister = (): void => {};
    if (scope !== undefined) {
      try {
        unregister = scope.add({ close: stop });
      } catch (e) {
        server.close();
        throw e;
      }
    }

    const iterator: AsyncIterableIterator<SocketCap> = harden({
      async next(): Promise<IteratorResult<SocketCap>> {
        scope?.assertOpen();
        const ready = pending.shift();
        if (ready !== undefined) return harden({ done: false, value: ready });
        if (stopped) return harden({ done: true, value: undefined });
        return new Promise<IteratorResult<SocketCap>>((resolve) => {
          waiters.push(resolve);
        });
      },
      async return() {
        return harden({ done: true as const, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    });

    return harden({
      address: harden({ host: host.host, port: boundPort }),
      accept: () => iterator,
      [Symbol.asyncIterator]: () => iterator,
      close: stop,
    });
  };

  return harden({ listen });
}
