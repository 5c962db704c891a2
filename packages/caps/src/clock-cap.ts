/**
 * The clock capability. SES removes `Date.now()` and `Math.random()` from
 * cells on purpose (they are covert channels and fingerprinting sources);
 * this is how time comes back, by grant, optionally coarsened.
 *
 * Invariants:
 * 1. `now` and `monotonic` read clocks captured at module load, so later
 *    changes to `Date` or `performance` cannot subvert the capability.
 * 2. With `coarsenMs`, both readings are rounded down to a multiple of it,
 *    so a cell cannot measure finer intervals through this capability.
 *
 * 3. A host can tell a clock this module made, and its coarsening
 *    (`clockCapOptions`), so a cell's `Date` can follow the grant inside a
 *    wall, where the capability itself is only reachable asynchronously.
 *
 * It does not add jitter and does not provide timers (see `makeTimers`).
 */
import { performance } from "node:perf_hooks";
import { CellError } from "@padded-cell/membrane";

const dateNow = Date.now;
const perfNow = performance.now.bind(performance);
const { floor } = Math;

/** Options of {@link makeClockCap}. */
export interface ClockCapOptions {
  /** Round readings down to a multiple of this many milliseconds. */
  coarsenMs?: number;
}

/** Clocks made here, with their options (invariant 3). */
const madeClocks = new WeakMap<object, Readonly<ClockCapOptions>>();

/**
 * The options `value` was made with, if it is a clock this module made.
 *
 * @example
 * ```ts
 * clockCapOptions(makeClockCap({ coarsenMs: 100 })); // { coarsenMs: 100 }
 * clockCapOptions({ now: () => 0 }); // undefined
 * ```
 */
export const clockCapOptions = (value: unknown): Readonly<ClockCapOptions> | undefined =>
  typeof value === "object" && value !== null ? madeClocks.get(value) : undefined;

/** A clock a cell was granted. */
export interface ClockCap {
  /** Wall-clock time in milliseconds since the epoch (like `Date.now()`). */
  now(): number;
  /** Milliseconds from an arbitrary origin that never goes backwards (like `performance.now()`). */
  monotonic(): number;
}

/**
 * Make a clock capability.
 *
 * @example
 * ```ts
 * const clock = makeClockCap({ coarsenMs: 100 });
 * const t0 = clock.monotonic();
 * await work();
 * console.log(`took about ${clock.monotonic() - t0} ms`);
 * ```
 */
export function makeClockCap(options: ClockCapOptions = {}): ClockCap {
  const { coarsenMs } = options;
  if (
    coarsenMs !== undefined &&
    !(typeof coarsenMs === "number" && coarsenMs > 0 && Number.isFinite(coarsenMs))
  ) {
    throw new CellError(
      "CLOCK_INVALID_OPTION",
      "coarsenMs must be a positive finite number of milliseconds.",
    );
  }
  const coarsen =
    coarsenMs === undefined ? (t: number) => t : (t: number) => floor(t / coarsenMs) * coarsenMs;
  const clock = harden({
    now: () => coarsen(dateNow()),
    monotonic: () => coarsen(perfNow()),
  });
  madeClocks.set(clock, harden(coarsenMs === undefined ? {} : { coarsenMs }));
  return clock;
}
