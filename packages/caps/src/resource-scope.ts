/**
 * A resource scope: the set of live things (sockets, servers, file handles,
 * child processes, timers) that capabilities opened on behalf of one holder,
 * so that the holder's revocation closes all of them.
 *
 * Invariants:
 * 1. Once `close` has begun, `add` refuses new resources with `REVOKED`, so
 *    nothing opened during or after revocation survives it.
 * 2. `close` closes every resource exactly once, even if some closers throw;
 *    the first failure is reported after all have run.
 *
 * It does not own what it closes: each capability decides how its resource
 * closes (end a socket, kill and reap a child, clear a timer).
 */
import { CellError } from "@padded-cell/membrane";

/** Something a scope can close. */
export interface Closable {
  /** Closes the resource; called once, when its scope closes. */
  close(): void | Promise<void>;
}

/** The host's handle on everything a holder opened. */
export interface ResourceScope {
  /**
   * Track a resource until it is closed. Returns a function that stops
   * tracking it (call it when the resource closes by itself).
   * Throws `REVOKED` once the scope is closing or closed.
   */
  add(resource: Closable): () => void;
  /** Throws `REVOKED` if the scope is closing or closed. */
  assertOpen(): void;
  /** Close every tracked resource; later `add` calls fail with `REVOKED`. */
  close(reason: string): Promise<void>;
  /** Whether `close` has been called. */
  readonly closed: boolean;
  /** How many resources are open now. */
  readonly size: number;
}

/**
 * Make an empty resource scope.
 *
 * @example
 * ```ts
 * const scope = makeResourceScope("markdown-plugin");
 * const fs = makeDirCap("/srv/docs", { scope });
 * // ... later, when the plugin is disabled:
 * await scope.close("plugin disabled"); // every open handle is closed
 * ```
 */
export function makeResourceScope(name: string): ResourceScope {
  const open = new Set<Closable>();
  let closedReason: string | undefined;

  const assertOpen = (): void => {
    if (closedReason !== undefined) {
      throw new CellError("REVOKED", `${name} was revoked (${closedReason}).`);
    }
  };

  return harden({
    add(resource: Closable) {
      assertOpen();
      open.add(resource);
      return () => {
        open.delete(resource);
      };
    },
    assertOpen,
    async close(reason: string) {
      if (closedReason !== undefined) return;
      closedReason = reason;
      const all = [...open];
      open.clear();
      const results = await Promise.allSettled(all.map(async (r) => r.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    },
    get closed() {
      return closedReason !== undefined;
    },
    get size() {
      return open.size;
    },
  });
}
