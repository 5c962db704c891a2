/**
 * A `process.env`-shaped object over an environment capability, so code
 * written for Node (`process.env.NODE_ENV`) runs unchanged in a cell.
 *
 * Invariants:
 * 1. Only variables the capability shows are present: reading any other
 *    property gives `undefined` (as an unset variable does in Node), and
 *    enumeration (`Object.keys`, `for...in`, spread) lists only them.
 * 2. It is read-only: set, define, delete and prototype changes throw
 *    `ENV_READ_ONLY` (a `CellError`, not an engine TypeError).
 * 3. It is a snapshot of the capability taken at creation; the proxy's target
 *    is a frozen null-prototype record of that snapshot, so every answer the
 *    proxy gives is consistent with the engine's proxy invariants and
 *    `harden(facade)` works.
 *
 * It does not see later changes, and it does not reach the host's
 * `process.env`: it only calls `keys` and `get` on the capability it got.
 */
import { CellError, hardenExport } from "@padded-cell/membrane";
import type { EnvCap } from "./env-cap.js";

const readOnly = (what: string, key: PropertyKey): never => {
  const name = typeof key === "string" ? key : "a symbol";
  throw new CellError(
    "ENV_READ_ONLY",
    `Denied: ${what} of environment variable ${name}. The environment a cell receives is read-only.`,
  );
};

const handler: ProxyHandler<Record<string, string>> = {
  set(_target, key) {
    return readOnly("write", key);
  },
  deleteProperty(_target, key) {
    return readOnly("delete", key);
  },
  defineProperty(target, key, desc) {
    // `harden`/`Object.freeze` redefine each property with the attributes it
    // already has; allow exactly the no-op redefinitions.
    if (Reflect.defineProperty(target, key, desc)) return true;
    return readOnly("definition", key);
  },
  setPrototypeOf(_target, _proto) {
    return readOnly("prototype change", "__proto__");
  },
};
hardenExport(handler);

/**
 * Make a read-only `process.env` look-alike from an {@link EnvCap}.
 *
 * @example
 * ```ts
 * const env = makeEnvCap(process.env, { allow: ["NODE_ENV"] });
 * const processEnv = makeProcessEnvFacade(env);
 * processEnv.NODE_ENV;        // "production"
 * processEnv.HOME;            // undefined
 * processEnv.NODE_ENV = "x";  // throws CellError ENV_READ_ONLY
 * ```
 */
export function makeProcessEnvFacade(envCap: EnvCap): Readonly<Record<string, string | undefined>> {
  const target = Object.create(null) as Record<string, string>;
  for (const key of [...envCap.keys()]) {
    if (typeof key !== "string") continue;
    const value = envCap.get(key);
    if (typeof value !== "string") continue;
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  }
  Object.freeze(target);
  return harden(new Proxy(target, handler));
}
