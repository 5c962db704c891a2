/**
 * The outgoing TCP capability: `makeTcpCap({ allow })` gives a cell
 * `connect(host, port)` to exactly the peers the host allowed.
 *
 * Invariants:
 * 1. The host is canonicalised and checked against the allow/deny policy
 *    before any DNS query (a denied name is never even resolved).
 * 2. A name is resolved once; every answer is checked; the socket connects to
 *    one of the checked IP addresses, never to the name (closes DNS
 *    rebinding between check and connect).
 * 3. At most `maxConnections` sockets are open (or opening) at once; at most
 *    `maxBytes` bytes are moved in total across all sockets. Beyond either,
 *    `NET_LIMIT`.
 * 4. Every socket is registered with the scope; closing the scope closes them.
 * 5. Denials name the host:port the cell asked for and the entry that would
 *    allow it, never a resolved address (see `net-denial.ts`).
 *
 * It does not listen (see `net-listen-cap.ts`) or speak HTTP (see `http-cap.ts`).
 */
import { connect as netConnect, type Socket } from "node:net";
import { CellError } from "@padded-cell/membrane";
import { canonicalizeHost, hostPort } from "./address-canonical.js";
import { makeNetPolicy } from "./address-policy.js";
import { type Resolver, resolveChecked, systemResolver } from "./address-resolve.js";
import { denialError } from "./net-denial.js";
import { makeByteBudget, makeSocketCap, type SocketCap } from "./net-socket-cap.js";
import type { ResourceScope } from "../resource-scope.js";

const NumberIsInteger = Number.isInteger;
const StringCtor = String;

/** Options of {@link makeTcpCap}. */
export interface TcpCapOptions {
  /** Allow entries: `host:port`, `*.example.com:443`, `10.0.0.0/8:80`, `[::1]:8080`, `host:8000-8100`, `host:*`, `localhost:3000`. */
  readonly allow: readonly string[];
  /** Deny entries, same forms; deny wins. */
  readonly deny?: readonly string[] | undefined;
  /** Concurrent connections (default 16). */
  readonly maxConnections?: number | undefined;
  /** Total bytes read + written across all connections (default unlimited). */
  readonly maxBytes?: number | undefined;
  /** Milliseconds to wait for a connection (default 10000). */
  readonly connectTimeoutMs?: number | undefined;
  /** Scope that owns the sockets. */
  readonly scope?: ResourceScope | undefined;
  /** Name resolver (default: the system resolver). */
  readonly resolve?: Resolver | undefined;
}

/** The TCP capability a cell holds. */
export interface TcpCap {
  /** Connect to `host:port` if the policy allows it. */
  connect(host: string, port: number): Promise<SocketCap>;
}

/**
 * Validate a port number from a cell: an integer from 1 to 65535, no coercion.
 *
 * @example
 * ```ts
 * checkPort(443, "connect"); // 443
 * ```
 */
export function checkPort(port: unknown, action: string): number {
  if (typeof port !== "number" || !NumberIsInteger(port) || port < 1 || port > 65535) {
    throw new CellError(
      "NET_BAD_ADDRESS",
      `${action}: the port must be an integer from 1 to 65535.`,
    );
  }
  return port;
}

function connectOnce(ip: string, port: number, timeoutMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: ip, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
  });
}

/**
 * Make a TCP capability limited to the given allow list.
 *
 * @example
 * ```ts
 * const tcp = makeTcpCap({ allow: ["db.internal:5432", "10.0.0.0/8:5432"], maxConnections: 4, scope });
 * const socket = await tcp.connect("db.internal", 5432);
 * await socket.write("hello");
 * for await (const chunk of socket) console.log(chunk.length);
 * ```
 */
export function makeTcpCap(options: TcpCapOptions): TcpCap {
  const policy = makeNetPolicy({ allow: options.allow, deny: options.deny });
  const maxConnections = options.maxConnections ?? 16;
  const maxBytes = options.maxBytes ?? Infinity;
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const { scope } = options;
  const resolve = options.resolve ?? systemResolver;
  const budget = makeByteBudget(maxBytes);
  let active = 0;

  const direct = {
    async connect(host: string, port: number): Promise<SocketCap> {
      scope?.assertOpen();
      const canonical = canonicalizeHost(host);
      const checkedPort = checkPort(port, `connect to ${canonical.host}`);
      const label = hostPort(canonical.host, checkedPort);
      if (active >= maxConnections) {
        throw new CellError(
          "NET_LIMIT",
          `connect to ${label} refused: this capability allows at most ${StringCtor(maxConnections)} open connections.`,
        );
      }
      active += 1; // reserve the slot while resolving and connecting
      let handedOver = false;
      try {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const outcome = await Promise.race([
          resolveChecked(policy, canonical, checkedPort, resolve),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new CellError(
                    "NET_CONNECT_FAILED",
                    `connect to ${label} failed: resolving ${canonical.host} took longer than ${StringCtor(timeoutMs)} ms.`,
                  ),
                ),
              timeoutMs,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        if (!outcome.ok) {
          if (outcome.refusal === undefined) {
            throw new CellError(
              "NET_CONNECT_FAILED",
              `connect to ${label} failed: ${canonical.host} did not resolve.`,
            );
          }
          throw denialError(
            "NET_DENIED",
            `connect to ${label}`,
            canonical.host,
            canonical.kind === "name",
            outcome.refusal,
            label,
            "--allow-net",
          );
        }
        for (const ip of outcome.addresses) {
          scope?.assertOpen();
          const socket = await connectOnce(ip, checkedPort, timeoutMs);
          if (socket === undefined) continue;
          // From here the socket's own close event releases the slot, even if
          // makeSocketCap refuses it because the scope closed meanwhile.
          handedOver = true;
          return makeSocketCap(socket, {
            remote: { host: canonical.host, port: checkedPort },
            label,
            budget,
            maxBytes,
            scope,
            onClose: () => {
              active -= 1;
            },
          });
        }
        throw new CellError(
          "NET_CONNECT_FAILED",
          `connect to ${label} failed: the peer could not be reached.`,
        );
      } finally {
        if (!handedOver) active -= 1;
      }
    },
  };
  // Invariant 4, for connections in flight (closes "revocation leaves work in
  // flight" for connects): each connect is an operation of the scope, so the
  // scope's close waits until it settled; one that completes after the gate
  // closed has its socket destroyed and reports REVOKED, so no connection
  // stays open and none opens after the close resolved.
  return harden({
    async connect(host: string, port: number) {
      return scope === undefined
        ? direct.connect(host, port)
        : scope.run(() => direct.connect(host, port));
    },
  });
}
