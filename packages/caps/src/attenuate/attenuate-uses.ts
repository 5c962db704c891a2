/**
 * `useTimes`: a capability that may be used `n` times, then is spent.
 *
 * Invariants:
 * 1. At most `n` calls (over all methods) reach the capability; later calls
 *    throw `USES_EXHAUSTED`.
 * 2. When the last use is forwarded the wrapper drops its target, so a spent
 *    capability holds nothing.
 *
 * It does not refund uses whose call failed; a use is a call forwarded.
 */
import { CellError } from "@padded-cell/membrane";
import {
  capabilityName,
  checkLimit,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";

/**
 * Allow `n` uses of `cap`, then nothing.
 *
 * @example
 * ```ts
 * const once = useTimes(mailer, 1, { name: "mailer" });
 * await once.send(msg);
 * await once.send(msg); // throws CellError USES_EXHAUSTED
 * ```
 */
export function useTimes<T extends Capability>(cap: T, n: number, options?: AttenuateOptions): T {
  const name = capabilityName(options);
  const limit = checkLimit(n, "useTimes count");
  let left = limit;
  const exhausted = (method: string) =>
    new CellError(
      "USES_EXHAUSTED",
      `Denied: ${name}.${method}: the grant allowed ${limit} uses and all are spent.`,
    );
  const wrapped = wrapCapability(
    cap,
    name,
    (method, _args, next) => {
      if (left <= 0) throw exhausted(method);
      left -= 1;
      const forward = next;
      if (left <= 0) wrapped.drop();
      return forward();
    },
    { onDropped: exhausted },
  );
  if (limit <= 0) wrapped.drop();
  return wrapped.cap;
}
