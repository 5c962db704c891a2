/**
 * Attenuation policies: what a view lets its holder do with a host object.
 *
 * Invariants:
 * 1. Attenuation only narrows. Composing policies takes the union of what
 *    each hides, denies or observes; no policy un-hides a key, re-enables
 *    writes or removes an observer, so no combination gives back what one
 *    policy took away.
 * 2. Policies are made only by the factories here and cannot be forged: the
 *    membrane accepts only policy records this module created.
 * 3. A policy is immutable once made: keys and substitute values are read
 *    once, at creation.
 *
 * It does not enforce anything itself: the membrane's traps consult it.
 */
import { CellError } from "./cell-error.js";
import { ObjectFreeze, ReflectOwnKeys, WeakSetCtor } from "./commons.js";

/** What an observer is told about one access through a view. */
export interface AccessEvent {
  /** The trap: `get`, `set`, `has`, `apply`, `construct`, `ownKeys`, ... */
  readonly op: string;
  /** The property key, for property operations. */
  readonly key?: PropertyKey;
}

/** Called on the host side for every access through an observed view. */
export type Observer = (event: AccessEvent) => void;

/**
 * An attenuation policy. Opaque: make one with {@link readOnly}, {@link hide},
 * {@link allowOnly}, {@link substitute}, {@link observe} or {@link compose}.
 */
export interface Policy {
  /** A readable description, e.g. `readOnly + hide(secret)`. */
  readonly description: string;
}

/** The membrane's view of a policy. @internal */
export interface PolicyRecord extends Policy {
  readonly hides: ((key: PropertyKey) => boolean) | null;
  readonly readOnly: boolean;
  readonly substitutes: ReadonlyMap<string | symbol, unknown> | null;
  readonly observers: readonly Observer[];
  /** The policy for everything reached through a view with this one. */
  readonly inherited: PolicyRecord | null;
}

const records = new WeakSetCtor<object>();

const badPolicy = (message: string): CellError => new CellError("MEMBRANE_BAD_POLICY", message);

const record = (fields: Omit<PolicyRecord, "inherited">, inheritsItself: boolean): PolicyRecord => {
  const policy = { ...fields, inherited: null as PolicyRecord | null };
  if (inheritsItself) policy.inherited = policy;
  records.add(policy);
  return ObjectFreeze(policy);
};

const keyList = (keys: unknown, factory: string): ReadonlySet<PropertyKey> => {
  if (!Array.isArray(keys)) throw badPolicy(`${factory}() takes an array of property keys.`);
  const set = new Set<PropertyKey>();
  for (const key of keys as unknown[]) {
    if (typeof key === "number") set.add(`${key}`);
    else if (typeof key === "string" || typeof key === "symbol") set.add(key);
    else throw badPolicy(`${factory}() takes strings, symbols or numbers as keys.`);
  }
  return set;
};

const describeKeys = (keys: ReadonlySet<PropertyKey>): string =>
  [...keys].map((key) => String(key)).join(", ");

/**
 * A read-only view: no set, define, delete, prototype change or freezing of
 * the host object, and no mutation through anything reached from it
 * (including the built-in mutators of `Map`, `Set`, `WeakMap`, `WeakSet`).
 * Methods the host wrote still run; a read-only view cannot know what a
 * method does, so grant narrower methods with {@link allowOnly}.
 *
 * @example
 * ```ts
 * const settings = membrane.wrap(hostSettings, readOnly());
 * ```
 */
export function readOnly(): Policy {
  return record(
    { description: "readOnly", hides: null, readOnly: true, substitutes: null, observers: [] },
    true,
  );
}

/**
 * Hides the listed keys on the wrapped object and along its prototype chain:
 * reads give `undefined`, `in` gives `false`, and they are not listed.
 *
 * @example
 * ```ts
 * const user = membrane.wrap(hostUser, hide(["passwordHash"]));
 * ```
 */
export function hide(keys: readonly PropertyKey[]): Policy {
  const set = keyList(keys, "hide");
  return record(
    {
      description: `hide(${describeKeys(set)})`,
      hides: (key) => set.has(key),
      readOnly: false,
      substitutes: null,
      observers: [],
    },
    false,
  );
}

/**
 * Shows only the listed keys (typically method names) of the wrapped object;
 * every other key is hidden as by {@link hide}.
 *
 * @example
 * ```ts
 * const store = membrane.wrap(hostStore, allowOnly(["get", "list"])); // no put, no delete
 * ```
 */
export function allowOnly(keys: readonly PropertyKey[]): Policy {
  const set = keyList(keys, "allowOnly");
  return record(
    {
      description: `allowOnly(${describeKeys(set)})`,
      hides: (key) => !set.has(key),
      readOnly: false,
      substitutes: null,
      observers: [],
    },
    false,
  );
}

/**
 * Replaces the listed properties with host-chosen values (read-only in the
 * view). The replaced originals are never reachable through the view.
 *
 * @example
 * ```ts
 * const env = membrane.wrap(hostEnv, substitute({ HOME: "/home/cell" }));
 * ```
 */
export function substitute(values: Record<PropertyKey, unknown>): Policy {
  if (typeof values !== "object" || values === null) {
    throw badPolicy("substitute() takes a record of replacement values.");
  }
  const map = new Map<string | symbol, unknown>();
  for (const key of ReflectOwnKeys(values)) {
    const desc = Object.getOwnPropertyDescriptor(values, key) as PropertyDescriptor;
    if (!("value" in desc)) throw badPolicy("substitute() takes data properties, not accessors.");
    map.set(key, desc.value);
  }
  return record(
    {
      description: `substitute(${describeKeys(new Set(map.keys()))})`,
      hides: null,
      readOnly: false,
      substitutes: map,
      observers: [],
    },
    false,
  );
}

/**
 * Calls `observer` on the host side for every access through the view and
 * through everything reached from it, before the access happens. An
 * observer that throws denies the access (the guest receives a copy of the
 * error).
 *
 * @example
 * ```ts
 * const log: AccessEvent[] = [];
 * const api = membrane.wrap(hostApi, observe((event) => log.push(event)));
 * ```
 */
export function observe(observer: Observer): Policy {
  if (typeof observer !== "function") throw badPolicy("observe() takes a function.");
  return record(
    {
      description: "observe",
      hides: null,
      readOnly: false,
      substitutes: null,
      observers: [observer],
    },
    true,
  );
}

/** Checks that `policy` came from this module. @internal */
export const asRecord = (policy: unknown): PolicyRecord => {
  if (typeof policy !== "object" || policy === null || !records.has(policy)) {
    throw badPolicy(
      "Not a policy: make one with readOnly(), hide(), allowOnly(), substitute(), observe() or compose().",
    );
  }
  return policy as PolicyRecord;
};

const composeRecords = (parts: readonly PolicyRecord[]): PolicyRecord | null => {
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0] as PolicyRecord;
  const hiders = parts.flatMap((p) => (p.hides ? [p.hides] : []));
  let substitutes: Map<string | symbol, unknown> | null = null;
  for (const p of parts) {
    if (!p.substitutes) continue;
    substitutes ??= new Map();
    for (const [key, value] of p.substitutes) substitutes.set(key, value);
  }
  const composed = {
    description: parts.map((p) => p.description).join(" + "),
    hides: hiders.length === 0 ? null : (key: PropertyKey) => hiders.some((h) => h(key)),
    readOnly: parts.some((p) => p.readOnly),
    substitutes,
    observers: parts.flatMap((p) => p.observers),
    inherited: null as PolicyRecord | null,
  };
  const inherited = parts.flatMap((p) => (p.inherited ? [p.inherited] : []));
  // A part that inherits itself makes the composition inherit the
  // composition of all self-inheriting parts; this terminates because each
  // step only drops parts that do not inherit.
  const sameAsSelf = inherited.length === parts.length && inherited.every((p, i) => p === parts[i]);
  composed.inherited = sameAsSelf ? composed : composeRecords(inherited);
  records.add(composed);
  return ObjectFreeze(composed);
};

/**
 * Combines policies; the result is at least as narrow as each part. Hidden
 * keys stay hidden even if another part substitutes them.
 *
 * @example
 * ```ts
 * const view = membrane.wrap(hostDb, compose(readOnly(), hide(["admin"]), observe(audit)));
 * ```
 */
export function compose(...policies: Policy[]): Policy {
  const composed = composeRecords(policies.map(asRecord));
  if (composed === null) throw badPolicy("compose() needs at least one policy.");
  return composed;
}
