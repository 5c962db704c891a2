/**
 * First module the `padded-cell` executable evaluates: locks the realm down
 * before any other module of the CLI (which harden at load) is evaluated.
 *
 * Invariants:
 * 1. `lockdown()` runs before any plugin code and before the membrane, the
 *    capabilities and Endo's modules are evaluated (ES modules evaluate in
 *    import order, depth first).
 * 2. `HandledPromise` (which walls need for CapTP) is installed before
 *    lockdown, so it is hardened with the other intrinsics.
 * 3. The options are the host's and the walls' own (`lockdownRealm` of
 *    `@padded-cell/host/realm-lockdown`), so a plugin behaves the same under
 *    the CLI as in any host.
 *
 * It does nothing else.
 */
import "ses";
import "@endo/eventual-send/shim.js";

import { lockdownRealm } from "@padded-cell/host/realm-lockdown";

lockdownRealm();
