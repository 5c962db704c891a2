/**
 * `rateLimit`: at most `calls` calls in any window of `perMs` milliseconds.
 *
 * Invariants:
 * 1. A call is forwarded only if fewer than `calls` calls were forwarded in
 *    the last `perMs` milliseconds (a sliding window); otherwise it throws
 *    `RATE_LIMITED` before reaching the capability.
 * 2. Memory is bounded by the calls forwarded within one window (at most
 *    `calls` timestamps, plus a compacted prefix), and each call costs
 *    amortised constant time.
 * 3. Time comes from the given clock (default: the host's `Date.now`,
 *    captured at load), so a cell cannot influence it.
 *
 * It does not queue or delay calls; it refuses them.
 */
import { CellError, hardenExport } from "@padded-cell/membrane";
import {
  capabilityName,
  checkLimit,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";

const dateNow = Date.now;

/** Something that tells the time in milliseconds (a {@link ClockCap} fits). */
export interface TimeSource {
  /** Milliseconds (epoch or any fixed origin, used consistently). */
  now(): number;
}

/**
 * The host's wall clock, as a {@link TimeSource} (the default of the time-based attenuators).
 *
 * @example
 * ```ts
 * expiresAt(fs, hostClock.now() + 60_000, { clock: hostClock });
 * ```
 */
export const hostClock: TimeSource = hardenExport({ now: () => dateNow() });

/** Options of {@link rateLimit}. */
export interface RateLimitOptions extends AttenuateOptions {
  /** Calls allowed per window. */
  calls: number;
  /** Window length in milliseconds. */
  perMs: number;
  /** Time source (default: the host clock). */
  clock?: TimeSource;
}

/**
 * Allow at most `calls` calls per `perMs` milliseconds.
 *
 * @example
 * ```ts
 * const api = rateLimit(http, { calls: 10, perMs: 1000, name: "api" });
 * ```
 */
export function rateLimit<T extends Capability>(cap: T, options: RateLimitOptions): T {
  const name = capabilityName(options);
  const calls = checkLimit(options.calls, "rateLimit calls");
  const perMs = checkLimit(options.perMs, "rateLimit perMs");
  const clock = options.clock ?? hostClock;
  // A queue of the forwarded calls' times: `recent[head..]` are in the window.
  let recent: number[] = [];
  let head = 0;
  return wrapCapability(cap, name, (method, _args, next) => {
    const now = clock.now();
    while (head < recent.length && recent[head]! <= now - perMs) head += 1;
    if (head > 1024 && head * 2 > recent.length) {
      recent = recent.slice(head);
      head = 0;
    }
    if (recent.length - head >= calls) {
      throw new CellError(
        "RATE_LIMITED",
        `Denied: ${name}.${method}: more than ${calls} calls per ${perMs} ms. Try again later.`,
      );
    }
    recent.push(now);
    return next();
  }).cap;
}
