/**
 * A cell's time, randomness and locale: the `Date`, `Math`, `Intl` and
 * `crypto` of its global object. SES takes `Date.now()`, `new Date()` and
 * `Math.random()` away from compartments (they are covert channels), and
 * `Intl` with them; libraries that time themselves, make ids or format
 * numbers then fail at load. These give them back by grant.
 *
 * - A cell granted a clock (`makeClockCap`, under any name) gets a `Date`
 *   whose `now()` and no-argument construction read the realm's clock,
 *   coarsened as that clock is, and an `Intl.DateTimeFormat` that formats
 *   "now" with it. A cell granted randomness (`makeRandomCap`) gets a
 *   `Math.random()` and a `crypto` (`getRandomValues`, `randomUUID`) from
 *   the realm's secure source.
 * - Without the grant, the host chooses (`ambient` of the cell options):
 *   "deterministic" (the default) makes the clock read 0 (1970-01-01) and
 *   `Math.random()` a fixed sequence, the same on every run; "deny" makes
 *   each of them throw `CELL_CLOCK_NOT_GRANTED` or
 *   `CELL_RANDOM_NOT_GRANTED`. There is no `crypto` without the grant.
 *
 * Invariants:
 * 1. Nothing here reaches the host: every object is made for one cell, from
 *    the realm's frozen intrinsics, and hardened; `Date` instances are
 *    ordinary dates (`Date.prototype` is shared and frozen).
 * 2. The clock and randomness are read only as the grant allows: no grant,
 *    no real time or randomness, whatever the cell calls (`Date`, `Math`,
 *    `Intl.DateTimeFormat#format()`, `crypto`).
 * 3. The same sources are rebuilt inside a wall from the grant's options
 *    (the grant itself is only reachable asynchronously there), so a cell
 *    sees the same `Date` and `Math` at every level.
 *
 * It does not carry time zones or locales of its own: `Date`'s local-time
 * methods and `Intl` use the realm's, as `Intl.DateTimeFormat().resolvedOptions()`
 * shows.
 */
import { CellError } from "@padded-cell/membrane";
import { makeClockCap, makeRandomCap, type ClockCapOptions } from "@padded-cell/caps";

/** What a cell's grants say about time and randomness; crosses walls as data. */
export interface AmbientGrants {
  /** The clock's options, if a clock was granted. */
  readonly clock?: Readonly<ClockCapOptions>;
  /** Whether randomness was granted. */
  readonly random?: boolean;
  /** What time and randomness do without a grant. */
  readonly ungranted: "deterministic" | "deny";
}

/** The globals a cell gets from {@link makeAmbientGlobals}. */
export interface AmbientGlobals {
  readonly Date: DateConstructor;
  readonly Math: Math;
  readonly Intl: typeof Intl;
  readonly crypto?: { getRandomValues<T extends ArrayBufferView>(a: T): T; randomUUID(): string };
}

// Captured at load: the realm's own, before any cell runs.
const RealDate = Date;
const RealMath = Math;
const RealIntl = Intl;
const { construct, ownKeys, getOwnPropertyDescriptor } = Reflect;
// Object's, not Reflect's: a definition that cannot be made throws.
const { defineProperty } = Object;

/** A fixed sequence in [0, 1): xorshift128+, from a constant seed. */
const fixedSequence = (): (() => number) => {
  let s0 = 0x9e3779b9;
  let s1 = 0x243f6a88;
  return () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    s1 = x;
    return ((s0 + s1) >>> 0) / 0x100000000;
  };
};

const denied = (code: string, what: string, grant: string) => () => {
  throw new CellError(
    code,
    `${what} needs a ${grant} grant (the host decided that, without one, it is refused): ask the host to grant ${grant === "clock" ? "makeClockCap()" : "makeRandomCap()"}.`,
  );
};

/** The `Date` of one cell: real dates, whose "now" is `now()`. */
const makeDate = (now: () => number): DateConstructor => {
  function CellDate(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return String(construct(RealDate, [now()]));
    return construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  defineProperty(CellDate, "prototype", { value: RealDate.prototype, writable: false });
  defineProperty(CellDate, "length", { value: 7 });
  defineProperty(CellDate, "name", { value: "Date" });
  defineProperty(CellDate, "now", { value: () => now(), writable: true, configurable: true });
  defineProperty(CellDate, "parse", { value: RealDate.parse, writable: true, configurable: true });
  defineProperty(CellDate, "UTC", { value: RealDate.UTC, writable: true, configurable: true });
  return CellDate as unknown as DateConstructor;
};

/** The `Math` of one cell: the realm's, with its own `random`. */
const makeMath = (next: () => number): Math => {
  const cellMath = {} as Record<PropertyKey, unknown>;
  for (const key of ownKeys(RealMath)) {
    if (key === "random") continue;
    defineProperty(cellMath, key, getOwnPropertyDescriptor(RealMath, key) as PropertyDescriptor);
  }
  defineProperty(cellMath, "random", {
    value: { random: () => next() }.random,
    writable: true,
    configurable: true,
  });
  return cellMath as unknown as Math;
};

/**
 * The `Intl` of one cell: the realm's, with a `DateTimeFormat` whose "now"
 * is `now()`. Its instances hold the realm's formatter out of reach (a
 * subclass would leave the realm's constructor, and its clock, one
 * `getPrototypeOf` away: invariant 2).
 */
const makeIntl = (now: () => number): typeof Intl => {
  const RealFormat = RealIntl.DateTimeFormat;
  const inner = new WeakMap<object, Intl.DateTimeFormat>();
  const real = (self: unknown): Intl.DateTimeFormat => {
    const formatter = typeof self === "object" && self !== null ? inner.get(self) : undefined;
    if (formatter === undefined) throw new TypeError("not an Intl.DateTimeFormat of this cell");
    return formatter;
  };
  const orNow = (date: unknown) => (date === undefined ? now() : date) as Date;
  const proto = {
    // `format` is an accessor giving a bound function (ECMA-402).
    get format() {
      const formatter = real(this);
      return (date?: Date | number) => formatter.format(orNow(date));
    },
    formatToParts(date?: Date | number) {
      return real(this).formatToParts(orNow(date));
    },
    formatRange(start: Date | number, end: Date | number) {
      return real(this).formatRange(start, end);
    },
    formatRangeToParts(start: Date | number, end: Date | number) {
      return real(this).formatRangeToParts(start, end);
    },
    resolvedOptions() {
      return real(this).resolvedOptions();
    },
  };
  defineProperty(proto, Symbol.toStringTag, { value: "Intl.DateTimeFormat" });
  // Callable with or without `new`, as the realm's is.
  function DateTimeFormat(locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
    const self = Object.create(proto) as object;
    inner.set(self, new RealFormat(locales, options));
    return self;
  }
  defineProperty(DateTimeFormat, "prototype", { value: proto, writable: false });
  defineProperty(proto, "constructor", {
    value: DateTimeFormat,
    writable: true,
    configurable: true,
  });
  defineProperty(DateTimeFormat, "supportedLocalesOf", {
    value: (locales: string | string[], options?: Intl.DateTimeFormatOptions) =>
      RealFormat.supportedLocalesOf(locales, options),
    writable: true,
    configurable: true,
  });
  const cellIntl = {} as Record<PropertyKey, unknown>;
  for (const key of ownKeys(RealIntl)) {
    if (key === "DateTimeFormat") continue;
    defineProperty(cellIntl, key, getOwnPropertyDescriptor(RealIntl, key) as PropertyDescriptor);
  }
  defineProperty(cellIntl, "DateTimeFormat", {
    value: DateTimeFormat,
    writable: true,
    configurable: true,
  });
  return cellIntl as unknown as typeof Intl;
};

/**
 * Makes a cell's `Date`, `Math`, `Intl` and (with randomness) `crypto`.
 *
 * @example
 * ```ts
 * const { Date, Math } = makeAmbientGlobals({ clock: { coarsenMs: 100 }, random: true, ungranted: "deny" });
 * ```
 */
export const makeAmbientGlobals = (grants: AmbientGrants): AmbientGlobals => {
  const deny = grants.ungranted === "deny";
  const clock = grants.clock === undefined ? undefined : makeClockCap(grants.clock);
  const now =
    clock !== undefined
      ? () => clock.now()
      : deny
        ? denied("CELL_CLOCK_NOT_GRANTED", "Reading the time", "clock")
        : () => 0;
  const source = grants.random === true ? makeRandomCap() : undefined;
  const random =
    source !== undefined
      ? () => source.random()
      : deny
        ? denied("CELL_RANDOM_NOT_GRANTED", "Math.random()", "random")
        : fixedSequence();
  return harden({
    Date: makeDate(now),
    Math: makeMath(random),
    Intl: makeIntl(now),
    ...(source === undefined
      ? {}
      : {
          crypto: {
            getRandomValues: <T extends ArrayBufferView>(array: T): T =>
              source.getRandomValues(array),
            randomUUID: () => source.randomUUID(),
          },
        }),
  });
};

/**
 * Reads {@link AmbientGrants} that crossed a wall as data; anything
 * malformed grants nothing and denies.
 *
 * @example
 * ```ts
 * ambientFromData({ clock: { coarsenMs: 100 }, random: true, ungranted: "deny" });
 * ```
 */
export const ambientFromData = (raw: unknown): AmbientGrants => {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const ungranted = r.ungranted === "deterministic" ? "deterministic" : "deny";
  const clock = r.clock as { coarsenMs?: unknown } | undefined;
  const coarsenMs = typeof clock?.coarsenMs === "number" ? clock.coarsenMs : undefined;
  return harden({
    ...(typeof clock === "object" && clock !== null
      ? { clock: coarsenMs === undefined ? {} : { coarsenMs } }
      : {}),
    random: r.random === true,
    ungranted,
  });
};

/**
 * `node:crypto` for a cell granted randomness: the part of it that is
 * randomness (`randomUUID`, `getRandomValues`, `webcrypto.getRandomValues`),
 * over the cell's own `crypto`; nothing without the grant.
 *
 * @example
 * ```ts
 * const builtins = { ...cryptoBuiltins(ambient.crypto) }; // { "node:crypto": ..., crypto: ... }
 * ```
 */
export const cryptoBuiltins = (crypto: unknown): Record<string, object> => {
  if (typeof crypto !== "object" || crypto === null) return {};
  const facade = harden({ ...(crypto as object), webcrypto: crypto });
  return { "node:crypto": facade, crypto: facade };
};
