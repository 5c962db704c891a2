/**
 * First module a wall's entry evaluates after `ses`: locks the wall's realm
 * down before any other module (CapTP, marshal, the guest runtime) runs.
 *
 * Invariants:
 * 1. `lockdown()` runs before any guest code and before Endo's modules are
 *    evaluated (ES modules evaluate in import order, depth first).
 * 2. `HandledPromise` (which CapTP needs) is installed before lockdown, so
 *    it is hardened with the other intrinsics.
 * 3. The wall uses exactly the host's lockdown options and stack renderer
 *    (`realm-lockdown.ts`), so a package loads behind a wall if and only if
 *    it loads in a compartment, and guest stacks show only guest frames.
 *
 * It does nothing else.
 */
import "ses";
import "@endo/eventual-send/shim.js";

import { lockdownRealm } from "../realm-lockdown.js";

lockdownRealm();
