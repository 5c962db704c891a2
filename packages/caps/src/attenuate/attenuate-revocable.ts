/**
 * `revocable`: a capability and a switch that turns it off for good.
 *
 * Invariants:
 * 1. After `revoke(reason)` every method throws `REVOKED` naming the
 *    capability and the reason; there is no way to turn it back on.
 * 2. `revoke` drops the wrapper's reference to the target (and its methods),
 *    so the target can be garbage-collected while the revoked wrapper lives.
 * 3. The cell gets only `cap`; `revoke` stays with whoever made it.
 *
 * It does not cancel or wait for calls already in progress, and does not
 * close resources the capability opened: a resource scope does both (its
 * `close` resolves once nothing started through it can still take effect),
 * and a cell's `revokeGrant` closes the grant's scope before cutting it.
 */
import { CellError } from "@padded-cell/membrane";
import {
  capabilityName,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";

/** What {@link revocable} returns: give `cap` to the cell, keep `revoke`. */
export interface Revocable<T> {
  /** The revocable capability, for the cell. */
  readonly cap: T;
  /** Turn `cap` off for good; `reason` appears in its errors. */
  revoke(reason: string): void;
}

/**
 * Make a revocable version of `cap`. Give the cell `cap`, keep `revoke`.
 *
 * @example
 * ```ts
 * const { cap: notes, revoke } = revocable(dir, { name: "notes" });
 * grant(cell, notes);
 * revoke("plugin disabled"); // notes.read() now throws CellError REVOKED
 * ```
 */
export function revocable<T extends Capability>(cap: T, options?: AttenuateOptions): Revocable<T> {
  const name = capabilityName(options);
  let reason: string | undefined;
  const wrapped = wrapCapability(cap, name, (_method, _args, next) => next(), {
    onDropped: () => new CellError("REVOKED", `${name} was revoked (${reason ?? "revoked"}).`),
  });
  return harden({
    cap: wrapped.cap,
    revoke(why: string) {
      if (reason !== undefined) return;
      reason = typeof why === "string" ? why : "revoked";
      wrapped.drop();
    },
  });
}
