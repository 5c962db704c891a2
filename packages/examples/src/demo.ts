/**
 * `pnpm demo`: runs the guided tour (tour.ts) on this terminal and exits
 * non-zero if any example failed.
 *
 * It does nothing else; see tour.ts. (Importing @padded-cell/host locks the
 * realm down, so nothing here runs in an unhardened realm.)
 */
import { runTour } from "./tour.js";

const steps = await runTour(process.stdout);
process.exitCode = steps.every((step) => step.ok) ? 0 : 1;
