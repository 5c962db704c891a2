/**
 * First module a wall's entry evaluates after `ses`: locks the wall's realm
 * down before any other module (CapTP, marshal, the guest runtime) runs.
 *
 * Invariants:
 * 1. `lockdown()` runs before any guest code and before Endo's modules are
 *    evaluated (ES modules evaluate in import order, depth first).
 * 2. `HandledPromise` (which CapTP needs) is installed before lockdown, so
 *    it is hardened with the other intrinsics.
 * 3. The wall keeps SES's safe defaults (errors are tamed, stacks are hidden
 *    from guest code).
 *
 * It does nothing else.
 */
import "ses";
import "@endo/eventual-send/shim.js";

lockdown({ overrideTaming: "severe" });
