/**
 * Brings the realm into the hardened state cells need: SES `lockdown()`,
 * called at most once per process.
 *
 * Invariants:
 * 1. `lockdown()` runs once. A second host with the same options shares the
 *    realm; one with different options fails with HOST_LOCKDOWN_CONFLICT
 *    rather than crashing with SES's own error.
 * 2. A realm that something else already locked down is accepted as it is
 *    (its options cannot be read back); this is documented, not guessed at.
 *
 * The default options are SES's defaults: above all `errorTaming: "safe"`,
 * which keeps a cell from reading the stack (and so the host's file paths)
 * of errors it creates while host code is on the stack.
 */
import "ses";
import { CellError, hardenPendingExports } from "@padded-cell/membrane";

/** The lockdown options a host passes to SES. */
export type HostLockdownOptions = Parameters<typeof lockdown>[0];

let lockedWith: string | undefined;

const isLockedDown = (): boolean =>
  Object.isFrozen(Object.prototype) && Object.isFrozen(Array.prototype);

/** Locks the realm down, once; see the file header. @internal */
export const ensureLockdown = (options: HostLockdownOptions = {}): void => {
  const key = JSON.stringify(options ?? {});
  if (lockedWith !== undefined) {
    if (lockedWith !== key && lockedWith !== "external") {
      throw new CellError(
        "HOST_LOCKDOWN_CONFLICT",
        `This process is already locked down with ${lockedWith}; a host asked for ${key}. ` +
          "SES locks a realm down once: use the same options for every host.",
      );
    }
    return;
  }
  if (isLockedDown()) {
    lockedWith = "external";
  } else {
    lockdown(options);
    lockedWith = key;
  }
  hardenPendingExports();
};
