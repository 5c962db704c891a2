/**
 * The global object of a cell: the frozen intrinsics (which every
 * Compartment has), `caps`, and the same-name facades its grants allow.
 *
 * Invariants:
 * 1. Every endowment is a membrane view, a primitive, or made for this
 *    cell alone, hardened, holding the host only through views (`Date`,
 *    `Math`, `Intl`, `crypto`: cell-ambient.ts; `console`: console-facade.ts
 *    invariant 5): nothing of the host reaches a cell's global raw.
 * 2. A facade exists only if its capability was granted (`fetch` needs
 *    `http`, timer functions need `timers`, `node:fs` needs `fs`), or if it
 *    carries no authority (`TextEncoder`, `TextDecoder`, `URL`,
 *    `URLSearchParams`, the `process` facade of `cell-global-object.ts`,
 *    also importable as `node:process`); there is never a `require`,
 *    `Buffer`, host `process` or host `globalThis`. A wall's guest runtime
 *    gives the same names (`wall-guest.ts`), checked by the conformance
 *    suite.
 * 3. A facade dies with its grant: it is wrapped in the grant's caretaker.
 *    The exceptions are `Date`, `Math`, `Intl` and `crypto`, made for the
 *    cell from its clock and randomness grants (cell-ambient.ts): they
 *    follow the grants the cell was made with, and end with the cell.
 */
import {
  makeConsoleFacade,
  makeFetchFacade,
  makeFsFacade,
  makeFsPromisesFacade,
  type DirCap,
  type EnvCap,
  type HttpCap,
  type StdioCap,
  type TimersCap,
} from "@padded-cell/caps";
import type { Caretaker, Membrane } from "@padded-cell/membrane";
import { makeCellProcess } from "./cell-global-object.js";
import { cryptoBuiltins, makeAmbientGlobals, type AmbientGrants } from "./cell-ambient.js";

/** A granted capability, with the caretaker it crosses through. */
export interface GrantedCap {
  readonly cap: object;
  readonly caretaker: Caretaker<object>;
}

/**
 * Freezes endowments for the module loader, which takes only frozen values.
 * Freezing a view freezes the view (a snapshot on its shadow), never the
 * host object; a shallow freeze is enough, as every value is a view. Done
 * on a cell's first import only, so cells that never import do not pay it.
 * @internal
 */
export const freezeEndowments = (endowments: CellEndowments): void => {
  for (const record of [endowments.globals, endowments.builtins]) {
    for (const value of Object.values(record)) Object.freeze(value);
    Object.freeze(record);
  }
};

/** What a cell's compartments receive. @internal */
export interface CellEndowments {
  readonly globals: Record<string, unknown>;
  readonly builtins: Record<string, object>;
  /** The `caps` view also handed to `main(caps)`. */
  readonly caps: object;
}

/** Builds the globals and builtin facades of a cell. @internal */
export const makeCellEndowments = (
  membrane: Membrane,
  granted: ReadonlyMap<string, GrantedCap>,
  stdio: GrantedCap,
  ambient: AmbientGrants,
): CellEndowments => {
  const caps: Record<string, object> = {};
  for (const [name, { caretaker }] of granted) caps[name] = caretaker.proxy;
  // Frozen, not hardened: hardening would walk into every grant's view.
  const capsView = membrane.wrap(Object.freeze(caps));

  const globals: Record<string, unknown> = {
    caps: capsView,
    // Given as it is, so it formats the cell's own values (a view would
    // print as [Proxy]); it writes through the grant's view, so it dies with
    // it (console-facade.ts, invariant 5).
    console: makeConsoleFacade(stdio.caretaker.proxy as StdioCap),
    TextEncoder: membrane.wrap(TextEncoder),
    TextDecoder: membrane.wrap(TextDecoder),
    URL: membrane.wrap(URL),
    URLSearchParams: membrane.wrap(URLSearchParams),
    // Made for this cell alone, hardened, holding nothing of the host's
    // (cell-ambient.ts, invariant 1): given as they are, so dates are dates.
    ...makeAmbientGlobals(ambient),
  };
  // The facade reads a snapshot of what the `env` grant shows, taken now,
  // and dies with that grant (invariant 3).
  const env = granted.get("env");
  const envCap = env?.cap as Partial<EnvCap> | undefined;
  const snapshot = typeof envCap?.toObject === "function" ? envCap.toObject() : {};
  const processFacade = (env === undefined ? membrane : env.caretaker).wrap(
    makeCellProcess(snapshot),
  );
  globals.process = processFacade;
  const builtins: Record<string, object> = {
    "node:process": processFacade,
    process: processFacade,
    ...cryptoBuiltins(globals.crypto),
  };

  // The `node:fs` facades are built (and hardened) when the cell first
  // imports a module, the only time they can be used: a cell that only
  // evaluates scripts never pays for them.
  const fs = granted.get("fs");
  let fsBuilt = fs === undefined;
  const addFsBuiltins = () => {
    if (fsBuilt || fs === undefined) return;
    fsBuilt = true;
    const promises = fs.caretaker.wrap(makeFsPromisesFacade(fs.cap as DirCap));
    const fsFacade = fs.caretaker.wrap(makeFsFacade(fs.cap as DirCap));
    Object.assign(builtins, {
      "node:fs/promises": promises,
      "fs/promises": promises,
      "node:fs": fsFacade,
      fs: fsFacade,
    });
  };
  const http = granted.get("http");
  if (http) globals.fetch = http.caretaker.wrap(makeFetchFacade(http.cap as HttpCap));
  const timers = granted.get("timers");
  if (timers) {
    const t = timers.cap as TimersCap;
    for (const name of ["setTimeout", "setInterval", "clearTimeout", "clearInterval"] as const) {
      globals[name] = timers.caretaker.wrap(t[name]);
    }
  }
  return {
    globals,
    get builtins() {
      addFsBuiltins();
      return builtins;
    },
    caps: capsView,
  };
};
