/**
 * Timers for a cell (`setTimeout`/`setInterval` and their `clear*`), bounded
 * and cancellable by the host.
 *
 * Invariants:
 * 1. At most `maxPending` timers are pending at once; one more throws
 *    `TIMERS_LIMIT` (an interval stays pending until cleared).
 * 2. Callbacks run with `this` undefined and only the arguments the cell
 *    itself passed, so no host object (such as Node's `Timeout`) reaches the
 *    cell. Handles are opaque frozen tokens, meaningful only to the
 *    capability that issued them.
 * 3. `host.cancelAll()` and closing the `scope` cancel every pending timer;
 *    after the scope closes, new timers throw `REVOKED`, and no callback
 *    runs once the scope's gate closed, even one whose turn had already
 *    come (closes "revocation leaves work in flight" for timers: a pending
 *    timer is aborted without effect).
 * 4. Only functions are accepted as callbacks; a string is never evaluated.
 * 5. A callback that throws (or returns a rejected promise) never crashes the
 *    host: the error goes to the host's `onError` hook.
 *
 * It does not provide `setImmediate` or `queueMicrotask`, and it does not
 * bound how long a callback runs (that needs a worker or process wall).
 */
import { CellError } from "@padded-cell/membrane";
import type { ResourceScope } from "./resource-scope.js";

const hostSetTimeout = setTimeout;
const hostSetInterval = setInterval;
const hostClearTimeout = clearTimeout;
const hostClearInterval = clearInterval;
const { apply } = Reflect;
const PromiseThen = Promise.prototype.then;
const MAX_DELAY = 2 ** 31 - 1;

/** An opaque timer handle. */
export type TimerHandle = Readonly<Record<string, never>>;

/** The timers a cell was granted. */
export interface TimersCap {
  /** Run `callback` once after `delayMs`. */
  setTimeout(
    callback: (...args: unknown[]) => unknown,
    delayMs?: number,
    ...args: unknown[]
  ): TimerHandle;
  /** Run `callback` every `delayMs` (at least 1 ms) until cleared. */
  setInterval(
    callback: (...args: unknown[]) => unknown,
    delayMs?: number,
    ...args: unknown[]
  ): TimerHandle;
  /** Cancel a timeout; unknown handles are ignored. */
  clearTimeout(handle: unknown): void;
  /** Cancel an interval; unknown handles are ignored. */
  clearInterval(handle: unknown): void;
}

/** The host side of a timers capability. */
export interface TimersHost {
  /** Cancel every pending timer. */
  cancelAll(): void;
  /** How many timers are pending. */
  pending(): number;
}

/** What {@link makeTimers} returns: give `cap` to the cell, keep `host`. */
export interface TimersPair {
  /** The timers, for the cell. */
  readonly cap: TimersCap;
  /** Control over them, for the host only. */
  readonly host: TimersHost;
}

/** Options of {@link makeTimers}. */
export interface TimersOptions {
  /** Most timers pending at once (default 1000). */
  maxPending?: number;
  /** Cancel everything when this scope closes. */
  scope?: ResourceScope;
  /** Receives errors thrown by callbacks (default: ignored). */
  onError?: (error: unknown) => void;
}

const toDelay = (delay: unknown, min: number): number => {
  if (typeof delay !== "number" || !(delay >= min)) return min;
  return delay > MAX_DELAY ? MAX_DELAY : delay;
};

/**
 * Make timers for a cell: `cap` goes to the cell, `host` stays with the host.
 *
 * @example
 * ```ts
 * const scope = makeResourceScope("plugin");
 * const { cap, host } = makeTimers({ maxPending: 100, scope });
 * cap.setTimeout(() => console.log("tick"), 10);
 * host.pending();            // 1
 * await scope.close("done"); // cancels it
 * ```
 */
export function makeTimers(options: TimersOptions = {}): TimersPair {
  const maxPending = options.maxPending ?? 1000;
  if (!(Number.isSafeInteger(maxPending) && maxPending >= 0)) {
    throw new CellError("ATTENUATE_INVALID_OPTION", "maxPending must be a non-negative integer.");
  }
  const { scope, onError } = options;
  const pending = new Map<TimerHandle, { id: ReturnType<typeof setTimeout>; interval: boolean }>();

  const report = (error: unknown) => {
    try {
      onError?.(error);
    } catch {
      // the host's own hook failing must not crash the host either
    }
  };
  const run = (callback: (...a: unknown[]) => unknown, args: readonly unknown[]) => {
    if (scope?.closed === true) return; // invariant 3
    try {
      const result = apply(callback, undefined, args);
      if (result instanceof Promise) apply(PromiseThen, result, [undefined, report]);
    } catch (error) {
      report(error);
    }
  };

  const cancelAll = () => {
    for (const { id, interval } of pending.values()) {
      if (interval) hostClearInterval(id);
      else hostClearTimeout(id);
    }
    pending.clear();
  };
  scope?.add({ close: cancelAll });

  const schedule = (
    callback: unknown,
    delay: unknown,
    args: unknown[],
    interval: boolean,
  ): TimerHandle => {
    scope?.assertOpen();
    if (typeof callback !== "function") {
      throw new CellError(
        "TIMERS_INVALID_CALLBACK",
        `A timer callback must be a function, not ${typeof callback}.`,
      );
    }
    if (pending.size >= maxPending) {
      throw new CellError(
        "TIMERS_LIMIT",
        `Denied: more than ${maxPending} pending timers. Clear unused timers or grant a larger maxPending.`,
      );
    }
    const fn = callback as (...a: unknown[]) => unknown;
    const copied = Object.freeze([...args]);
    // An empty object on the frozen Object.prototype: freezing it hardens it.
    const handle: TimerHandle = Object.freeze({});
    const id = interval
      ? hostSetInterval(() => run(fn, copied), toDelay(delay, 1))
      : hostSetTimeout(
          () => {
            pending.delete(handle);
            run(fn, copied);
          },
          toDelay(delay, 0),
        );
    pending.set(handle, { id, interval });
    return handle;
  };
  const clear = (handle: unknown) => {
    const entry = pending.get(handle as TimerHandle);
    if (!entry) return;
    pending.delete(handle as TimerHandle);
    if (entry.interval) hostClearInterval(entry.id);
    else hostClearTimeout(entry.id);
  };

  const cap: TimersCap = {
    setTimeout: (callback, delayMs, ...args) => schedule(callback, delayMs, args, false),
    setInterval: (callback, delayMs, ...args) => schedule(callback, delayMs, args, true),
    clearTimeout: clear,
    clearInterval: clear,
  };
  const host: TimersHost = { cancelAll, pending: () => pending.size };
  return harden({ cap, host });
}
