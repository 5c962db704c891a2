/**
 * `pnpm demo`: runs the guided tour (tour.ts) on this terminal and exits
 * non-zero if any example failed.
 *
 * Invariant: the realm is locked down (SES `lockdown()`, SES's default
 * options, the same as `createHost()` uses) before any Padded Cell package
 * is loaded: parts of the built host package call `harden` while they load.
 * `createHost()` accepts a realm that is already locked down.
 *
 * It does nothing else; see tour.ts.
 */
import "ses";

if (!Object.isFrozen(Object.prototype)) lockdown();

const { runTour } = await import("./tour.js");
const steps = await runTour(process.stdout);
process.exitCode = steps.every((step) => step.ok) ? 0 : 1;
