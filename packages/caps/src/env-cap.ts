/**
 * The environment capability: a read-only view of the environment variables
 * the host listed, and nothing else.
 *
 * Invariants:
 * 1. Only listed names are visible: `get` of any other name throws
 *    `ENV_DENIED` naming the variable and the flag that would grant it;
 *    `has`, `keys` and `toObject` never mention unlisted names.
 * 2. The view is a snapshot taken when the capability is made: later changes
 *    to the source (for example the host's `process.env`) are not seen, and
 *    nothing the cell does can change the source.
 * 3. Names are checked as string primitives without coercion, so a hostile
 *    `toString` never runs in the host. Lookups use a `Map`, so names such as
 *    `__proto__` or `constructor` are ordinary names, never prototype slots.
 *
 * It does not support wildcard allow entries, and it does not re-read the
 * environment.
 */
import { CellError } from "@padded-cell/membrane";

/** Options of {@link makeEnvCap}. */
export interface EnvCapOptions {
  /** The variable names the cell may read (exact names). */
  allow: readonly string[];
}

/** A read-only view of some environment variables. */
export interface EnvCap {
  /** The value of a listed variable, or `undefined` if it is listed but unset. Throws `ENV_DENIED` for unlisted names. */
  get(name: string): string | undefined;
  /** Whether the variable is listed and set. Never throws for unlisted names. */
  has(name: string): boolean;
  /** The listed variables that are set. */
  keys(): readonly string[];
  /** A hardened record of the listed variables that are set. */
  toObject(): Readonly<Record<string, string>>;
}

const { hasOwn } = Object;

const checkName = (name: unknown): string => {
  if (typeof name !== "string") {
    throw new CellError(
      "ENV_INVALID_NAME",
      `Environment variable names are strings, got ${typeof name}.`,
    );
  }
  return name;
};

/**
 * Make a read-only environment capability over a snapshot of `source`.
 *
 * @example
 * ```ts
 * const env = makeEnvCap(process.env, { allow: ["NODE_ENV", "LANG"] });
 * env.get("NODE_ENV"); // "production"
 * env.get("HOME");     // throws CellError ENV_DENIED (--allow-env=HOME)
 * ```
 */
export function makeEnvCap(
  source: Readonly<Record<string, string | undefined>>,
  options: EnvCapOptions,
): EnvCap {
  const allowed = new Set<string>();
  for (const name of [...options.allow]) allowed.add(checkName(name));
  // Invariant 2: snapshot now; only own string values of listed names.
  const values = new Map<string, string>();
  for (const name of allowed) {
    if (!hasOwn(source, name)) continue;
    const value = source[name];
    if (typeof value === "string") values.set(name, value);
  }
  const keys = harden([...values.keys()].sort());

  return harden({
    get(name: string): string | undefined {
      const key = checkName(name);
      if (!allowed.has(key)) {
        throw new CellError(
          "ENV_DENIED",
          `Denied: read of environment variable ${key}. Grant it with --allow-env=${key}.`,
        );
      }
      return values.get(key);
    },
    has(name: string): boolean {
      return values.has(checkName(name));
    },
    keys(): readonly string[] {
      return keys;
    },
    toObject(): Readonly<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const [k, v] of values) {
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          writable: false,
          configurable: false,
        });
      }
      return harden(out);
    },
  });
}
