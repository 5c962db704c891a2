/**
 * Brings the realm into the hardened state cells need: SES `lockdown()`,
 * once per process, as `@padded-cell/host` loads.
 *
 * Why at load: the Endo libraries the host builds on (CapTP, the compartment
 * mapper) harden their exports as they load, and once anything has hardened
 * objects SES can no longer lock the realm down. So this module is the first
 * thing the package index imports.
 *
 * Invariants:
 * 1. `lockdown()` runs at most once. A realm that was already locked down
 *    (by the application, with its own options, before importing the host)
 *    is accepted as it is; otherwise `lockdownRealm()` locks it down with the
 *    options every Padded Cell realm uses (`realm-lockdown.ts`): the host
 *    application keeps its stacks, console and exit codes, and cells see
 *    only their own frames in a stack.
 * 2. Exports that waited for lockdown are hardened before any cell exists,
 *    and so are the host classes cells receive (`URL`, `URLSearchParams`,
 *    `TextEncoder`, `TextDecoder`).
 */
import { lockdownRealm } from "./realm-lockdown.js";
import { hardenPendingExports } from "@padded-cell/membrane";

lockdownRealm();
hardenPendingExports();
// The host's own classes that cells receive as endowments are not SES
// intrinsics, so lockdown leaves them open: freeze them, or a cell could
// rewrite them for the whole process.
harden([URL, URLSearchParams, TextEncoder, TextDecoder]);
