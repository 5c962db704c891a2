/**
 * One HTTP exchange's lifetime: the total time limit, the scope registration
 * and the currently open request, so that a timeout, a size limit or a
 * revocation tears down whatever is in flight.
 *
 * Invariants:
 * 1. The time limit covers the whole exchange (connect, every redirect,
 *    headers and body); when it fires the open request is destroyed and every
 *    pending and later operation fails with `HTTP_TIMEOUT`.
 * 2. The exchange is registered with the scope until its body is finished;
 *    closing the scope destroys the request.
 * 3. After `fail`, the first error is the one reported, whatever error the
 *    torn-down socket produces next.
 *
 * It does not send requests.
 */
import { CellError } from "@padded-cell/membrane";
import type { ResourceScope } from "../resource-scope.js";

/** Something in flight that can be torn down. */
interface Destroyable {
  destroy(): void;
}

/** The exchange's shared state. */
export interface Exchange {
  /** The error that ended the exchange early, if any. */
  readonly failure: CellError | undefined;
  /** Set the in-flight request or response to tear down on failure. */
  track(current: Destroyable | undefined): void;
  /** End the exchange with an error; destroys what is in flight. */
  fail(error: CellError): CellError;
  /** Throws the failure, or `REVOKED` if the scope closed. */
  assertUsable(): void;
  /** The exchange is over: stop the timer and leave the scope. */
  finish(): void;
  /** Settle with `p`, or reject as soon as the exchange fails (e.g. a resolver that never answers). */
  race<T>(p: Promise<T>): Promise<T>;
}

/**
 * Start an exchange with a total time limit.
 *
 * @example
 * ```ts
 * const ex = startExchange("GET https://a.example/", 30_000, scope);
 * ex.track(req);
 * // ... on end:
 * ex.finish();
 * ```
 */
export function startExchange(
  label: string,
  timeoutMs: number,
  scope: ResourceScope | undefined,
): Exchange {
  let failure: CellError | undefined;
  let current: Destroyable | undefined;
  let finished = false;
  let rejectFailed: (e: CellError) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => {}); // observed through race() only
  const fail = (error: CellError): CellError => {
    failure ??= error;
    current?.destroy();
    rejectFailed(failure);
    return failure;
  };
  const timer = setTimeout(() => {
    fail(
      new CellError("HTTP_TIMEOUT", `${label} took longer than ${timeoutMs} ms and was aborted.`),
    );
    finish();
  }, timeoutMs);
  // The open socket, not the deadline, decides whether the process stays alive.
  timer.unref();
  let unregister = (): void => {};
  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    unregister();
  };
  if (scope !== undefined) {
    try {
      unregister = scope.add({
        close: () => {
          // The scope's own REVOKED names the grant and the host's reason.
          let why = "the capability was revoked.";
          try {
            scope.assertOpen();
          } catch (revoked) {
            why = (revoked as Error).message;
          }
          fail(new CellError("REVOKED", `${label} was aborted: ${why}`));
          finish();
        },
      });
    } catch (e) {
      clearTimeout(timer);
      throw e;
    }
  }
  return {
    get failure() {
      return failure;
    },
    track(next) {
      current = next;
      if (failure !== undefined) next?.destroy();
    },
    fail,
    assertUsable() {
      scope?.assertOpen();
      if (failure !== undefined) throw failure;
    },
    finish,
    race: <T>(p: Promise<T>) => Promise.race([p, failed]),
  };
}
