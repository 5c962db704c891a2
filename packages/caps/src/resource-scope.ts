/**
 * A resource scope: the live things (sockets, servers, file handles, child
 * processes, timers) and the operations in flight (a write, a rename, a
 * request) that capabilities started on behalf of one holder, so that the
 * holder's revocation is atomic: when `close` resolves, every operation has
 * either finished (and its caller saw its real outcome) or was refused or
 * aborted without effect (and its caller saw `REVOKED`). Nothing started
 * through the scope lands afterwards.
 *
 * Invariants:
 * 1. The gate: once `close` has begun, `add` and `run` refuse with `REVOKED`
 *    synchronously, so nothing starts during or after revocation.
 * 2. `close` closes every tracked resource exactly once (aborting what they
 *    were doing: a socket is destroyed, a child killed, a request aborted, a
 *    timer cleared), even if some closers throw.
 * 3. `close` resolves only after every operation `run` started has settled,
 *    every closer has finished, and one turn of the event loop has passed
 *    (the drain), so that the outcome has also passed through every promise
 *    chained on it on the way to the caller. An operation that was already
 *    running when the gate closed is not interrupted by the scope: it
 *    finishes and its caller gets its real result, before `close` resolves.
 * 4. The drain is bounded (`drainMs`, default 30 s). If operations are still
 *    running then, `close` rejects with `CAPS_REVOKE_TIMEOUT` saying how many:
 *    the host learns that the guarantee of 3 could not be given for them
 *    (an operating system call that cannot be interrupted, or a closer that
 *    hangs). It never resolves as if they had drained.
 * 5. The first closer failure is reported after all closers ran and the
 *    drain ended.
 *
 * It does not own what it closes: each capability decides how its resource
 * closes and which of its operations are effects worth tracking (reads are
 * not). It cannot drain a capability that was made without the scope.
 */
import { CellError } from "@padded-cell/membrane";

/** Something a scope can close. */
export interface Closable {
  /** Closes the resource; called once, when its scope closes. */
  close(): void | Promise<void>;
}

/** Options of {@link ResourceScope.close}. */
export interface ScopeCloseOptions {
  /** How long to wait for operations in flight before giving up (default 30 000). */
  readonly drainMs?: number;
}

/** The host's handle on everything a holder opened. */
export interface ResourceScope {
  /**
   * Track a resource until it is closed. Returns a function that stops
   * tracking it (call it when the resource closes by itself).
   * Throws `REVOKED` once the scope is closing or closed.
   */
  add(resource: Closable): () => void;
  /**
   * Run one effectful operation inside the scope: rejects with `REVOKED` if
   * the scope is closing or closed (the operation never starts), otherwise
   * returns what `operation` returns and tracks it until it settles, so
   * that `close` waits for it.
   */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** Throws `REVOKED` if the scope is closing or closed. */
  assertOpen(): void;
  /**
   * Close the gate, close every tracked resource, and wait for the
   * operations in flight (see the file header); later `add` and `run` calls
   * fail with `REVOKED`.
   */
  close(reason: string, options?: ScopeCloseOptions): Promise<void>;
  /** Whether `close` has been called. */
  readonly closed: boolean;
  /** How many resources are open now. */
  readonly size: number;
  /** How many operations started by `run` have not settled yet. */
  readonly inFlight: number;
}

const DEFAULT_DRAIN_MS = 30_000;

/**
 * Make an empty resource scope.
 *
 * @example
 * ```ts
 * const scope = makeResourceScope("markdown-plugin");
 * const fs = makeDirCap("/srv/docs", { scope });
 * // ... later, when the plugin is disabled:
 * await scope.close("plugin disabled"); // every handle closed, every write landed or refused
 * ```
 */
export function makeResourceScope(name: string): ResourceScope {
  const open = new Set<Closable>();
  const running = new Set<Promise<unknown>>();
  let closedReason: string | undefined;
  let closing: Promise<void> | undefined;

  const assertOpen = (): void => {
    if (closedReason !== undefined) {
      throw new CellError("REVOKED", `${name} was revoked (${closedReason}).`);
    }
  };

  const drain = async (closers: Promise<unknown>, drainMs: number): Promise<void> => {
    // Operations still running add to `running` only before the gate closed,
    // so this snapshot loop ends: each round waits for what was running.
    const all = async (): Promise<void> => {
      await closers;
      while (running.size > 0) await Promise.allSettled([...running]);
      // Invariant 3: wrappers between an operation and its caller (an async
      // method, an attenuator, the audit) pass its outcome on in microtasks;
      // one turn of the event loop lets all of them run before the caller's
      // reference is cut.
      await new Promise((resolve) => setImmediate(resolve));
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), drainMs);
    });
    try {
      if ((await Promise.race([all(), timedOut])) === "timeout") {
        throw new CellError(
          "CAPS_REVOKE_TIMEOUT",
          `${name} was revoked but ${running.size} operation(s) did not finish within ${drainMs} ms; they may still take effect.`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  };

  const close = async (drainMs: number): Promise<void> => {
    const all = [...open];
    open.clear();
    // Invariant 2: abort what the resources were doing; invariant 5: every
    // closer runs, the first failure is kept for the end.
    const closers = Promise.allSettled(all.map(async (r) => r.close()));
    await drain(closers, drainMs);
    const failed = (await closers).find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };

  return harden({
    add(resource: Closable) {
      assertOpen();
      open.add(resource);
      return () => {
        open.delete(resource);
      };
    },
    run<T>(operation: () => Promise<T>): Promise<T> {
      let result: Promise<T>;
      try {
        // Invariant 1: the gate is checked before the operation starts.
        assertOpen();
        result = operation();
      } catch (error) {
        return Promise.reject(error);
      }
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return result;
    },
    assertOpen,
    close(reason: string, options?: ScopeCloseOptions) {
      // Every caller waits for the same drain; the first reason wins.
      if (closing !== undefined) return closing;
      closedReason = String(reason);
      closing = close(options?.drainMs ?? DEFAULT_DRAIN_MS);
      return closing;
    },
    get closed() {
      return closedReason !== undefined;
    },
    get size() {
      return open.size;
    },
    get inFlight() {
      return running.size;
    },
  });
}
