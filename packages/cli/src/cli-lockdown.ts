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
 * 3. SES's safe defaults are kept (the same options `createHost()` uses by
 *    default, so the host accepts this realm).
 *
 * It does nothing else.
 */
import "ses";
import "@endo/eventual-send/shim.js";

lockdown();
