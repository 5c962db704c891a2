/**
 * `expiresAt`: a capability that stops working at a given time.
 *
 * Invariants:
 * 1. Once the clock reads at or after the expiry time, every call throws
 *    `EXPIRED` before reaching the capability, and keeps doing so even if the
 *    clock later reads earlier (expiry is one-way).
 * 2. On the first expired call the wrapper drops its target, so it can be
 *    collected.
 *
 * It does not cancel calls already running at the expiry time.
 */
import { CellError } from "@padded-cell/membrane";
import {
  capabilityName,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";
import { hostClock, type TimeSource } from "./attenuate-rate.js";

const DateGetTime = Date.prototype.getTime;

/** Options of {@link expiresAt}. */
export interface ExpiresAtOptions extends AttenuateOptions {
  /** Time source (default: the host clock). */
  clock?: TimeSource;
}

/**
 * Make `cap` stop working at `at` (epoch milliseconds, or a `Date`, on `clock`).
 *
 * @example
 * ```ts
 * const forAMinute = expiresAt(fs, Date.now() + 60_000, { name: "fs" });
 * ```
 */
export function expiresAt<T extends Capability>(
  cap: T,
  at: number | Date,
  options: ExpiresAtOptions = {},
): T {
  const name = capabilityName(options);
  let deadline = Number.NaN;
  try {
    deadline = typeof at === "number" ? at : (Reflect.apply(DateGetTime, at, []) as number);
  } catch {
    // not a Date: reported below
  }
  if (Number.isNaN(deadline)) {
    throw new CellError("ATTENUATE_INVALID_OPTION", `expiresAt on ${name} needs a valid time.`);
  }
  const clock = options.clock ?? hostClock;
  const expired = (method: string) =>
    new CellError(
      "EXPIRED",
      `Denied: ${name}.${method}: the grant expired at ${new Date(deadline).toISOString()}.`,
    );
  const wrapped = wrapCapability(
    cap,
    name,
    (method, _args, next) => {
      if (clock.now() >= deadline) {
        wrapped.drop();
        throw expired(method);
      }
      return next();
    },
    { onDropped: expired },
  );
  return wrapped.cap;
}
