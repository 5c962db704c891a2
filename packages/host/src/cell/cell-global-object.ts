/**
 * What every cell's global object holds beyond the frozen language, the
 * same at every isolation level: the `globalThis` aliases Node and browser
 * code look for, and a `process` facade with no authority.
 *
 * Invariants:
 * 1. `global` and `self` are the cell compartment's own `globalThis`, never
 *    the host's; the global stays extensible, so a library may register a
 *    global of its own, which only that compartment sees. The global
 *    `Function` makes functions whose `this` defaults to that same global,
 *    so the classic `Function("return this")()` finds it (SES compiles all
 *    code strict, where `this` would be `undefined`); it is written in the
 *    cell's own code, so it is no host function, and `instanceof Function`
 *    and `Function.prototype` are unchanged.
 * 2. `process` carries no authority: `env` is a read-only snapshot of the
 *    variables the `env` grant shows (empty without one); reading any other
 *    name gives `undefined`, as an unset variable does in Node, and writes
 *    throw `ENV_READ_ONLY`. `nextTick` queues a microtask (no new power: a
 *    cell can already chain promises). `platform` is always `"linux"`
 *    (cells see POSIX virtual paths whatever the host's system), `version`
 *    and `versions.node` are the Node version, `argv` is empty. There is no
 *    `exit`, `abort`, `kill`, `cwd`, `binding`, `stdout` or `memoryUsage`.
 * 3. Every value is hardened and made here, so the compartment cell can pass
 *    it through its membrane and a wall can hand it to guest code as is.
 *
 * It does not read the host's `process.env` (only what the grant shows).
 */
import { makeEnvCap, makeProcessEnvFacade } from "@padded-cell/caps";

const NODE_VERSION = String(process.versions.node);
const { defineProperty } = Object;
const PromiseResolve = Promise.resolve.bind(Promise);

/** Evaluated in the cell's compartment: the global `Function` of invariant 1. */
const CELL_FUNCTION_SOURCE = `(function makeCellFunction(nativeFunction, cellGlobal) {
  const bind = nativeFunction.prototype.bind;
  const { apply, construct } = Reflect;
  function Function(...args) {
    return apply(bind, construct(nativeFunction, args), [cellGlobal]);
  }
  Object.defineProperty(Function, "prototype", { value: nativeFunction.prototype, writable: false });
  return Object.freeze(Function);
})`;

/**
 * Defines `global` and `self` on a compartment's global object, writable and
 * configurable as in Node, and its global `Function` (invariant 1).
 *
 * @example
 * ```ts
 * addGlobalAliases(compartment);
 * compartment.evaluate("global === globalThis"); // true
 * ```
 */
export const addGlobalAliases = (compartment: {
  readonly globalThis: object;
  evaluate(source: string): unknown;
}): void => {
  const compartmentGlobal = compartment.globalThis;
  const makeCellFunction = compartment.evaluate(CELL_FUNCTION_SOURCE) as (
    nativeFunction: unknown,
    cellGlobal: object,
  ) => unknown;
  defineProperty(compartmentGlobal, "Function", {
    value: makeCellFunction(
      (compartmentGlobal as { Function: unknown }).Function,
      compartmentGlobal,
    ),
    writable: true,
    enumerable: false,
    configurable: true,
  });
  for (const name of ["global", "self"]) {
    defineProperty(compartmentGlobal, name, {
      value: compartmentGlobal,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }
};
harden(addGlobalAliases);

/** A cell's `process` (invariant 2). */
export interface CellProcess {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly nextTick: (callback: (...args: unknown[]) => unknown, ...args: unknown[]) => void;
  readonly platform: "linux";
  readonly version: string;
  readonly versions: Readonly<{ node: string }>;
  readonly argv: readonly string[];
}

/**
 * Makes a `process` facade over a snapshot of granted environment variables.
 *
 * @example
 * ```ts
 * const proc = makeCellProcess({ NODE_ENV: "production" });
 * proc.env.NODE_ENV; // "production"
 * proc.env.HOME; // undefined
 * ```
 */
export const makeCellProcess = (env: Readonly<Record<string, unknown>>): CellProcess => {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string") record[name] = value;
  }
  const envFacade = makeProcessEnvFacade(makeEnvCap(record, { allow: Object.keys(record) }));
  const nextTick = (callback: (...args: unknown[]) => unknown, ...args: unknown[]): void => {
    if (typeof callback !== "function") {
      throw new TypeError("process.nextTick takes a function");
    }
    void PromiseResolve().then(() => callback(...args));
  };
  return harden({
    env: envFacade,
    nextTick,
    platform: "linux" as const,
    version: `v${NODE_VERSION}`,
    versions: { node: NODE_VERSION },
    argv: [],
  });
};
harden(makeCellProcess);
