/**
 * The randomness capability: cryptographically strong random values for a
 * cell (SES removes `Math.random` from cells; this grants it back).
 *
 * Invariants:
 * 1. Every value comes from the host's CSPRNG (`node:crypto`), captured at
 *    module load.
 * 2. `getRandomValues` accepts only genuine integer typed arrays, recognised
 *    by internal slots (captured `TypedArray.prototype` getters), never by
 *    properties the caller controls; proxies and look-alikes are refused.
 * 3. A single request is bounded to 65536 bytes, as in WebCrypto.
 *
 * It does not provide seeded or reproducible randomness.
 */
import { randomFillSync, randomUUID as nodeRandomUUID } from "node:crypto";
import { CellError } from "@padded-cell/membrane";

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getter = (name: PropertyKey) =>
  Object.getOwnPropertyDescriptor(TypedArrayPrototype, name)?.get as (this: unknown) => unknown;
const typedArrayTag = getter(Symbol.toStringTag);
const typedArrayByteLength = getter("byteLength");
const { apply } = Reflect;

const INTEGER_ARRAYS = new Set([
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "BigInt64Array",
  "BigUint64Array",
]);

/**
 * The most bytes one `getRandomValues` call fills (the WebCrypto limit).
 *
 * @example
 * ```ts
 * rnd.getRandomValues(new Uint8Array(MAX_RANDOM_BYTES)); // fine; one more byte throws RANDOM_TOO_LARGE
 * ```
 */
export const MAX_RANDOM_BYTES = 65536;

/** Randomness capabilities made here (see {@link isRandomCap}). */
const madeRandoms = new WeakSet<object>();

/** Random values a cell was granted. */
export interface RandomCap {
  /** Fill an integer typed array with random values and return it. */
  getRandomValues<T extends ArrayBufferView>(array: T): T;
  /** A random RFC 4122 version 4 UUID. */
  randomUUID(): string;
  /** A float in [0, 1) with 53 random bits, like `Math.random()`. */
  random(): number;
}

/**
 * Make a randomness capability.
 *
 * @example
 * ```ts
 * const rnd = makeRandomCap();
 * const key = rnd.getRandomValues(new Uint8Array(32));
 * const id = rnd.randomUUID();
 * const roll = Math.floor(rnd.random() * 6) + 1;
 * ```
 */
export function makeRandomCap(): RandomCap {
  const pool = new Uint32Array(2);
  const random = harden({
    getRandomValues<T extends ArrayBufferView>(array: T): T {
      const tag = ArrayBuffer.isView(array) ? apply(typedArrayTag, array, []) : undefined;
      if (typeof tag !== "string" || !INTEGER_ARRAYS.has(tag)) {
        throw new CellError(
          "RANDOM_INVALID_ARRAY",
          "getRandomValues needs an integer typed array (for example a Uint8Array).",
        );
      }
      const bytes = apply(typedArrayByteLength, array, []) as number;
      if (bytes > MAX_RANDOM_BYTES) {
        throw new CellError(
          "RANDOM_TOO_LARGE",
          `getRandomValues was asked for ${bytes} bytes; at most ${MAX_RANDOM_BYTES} bytes per call.`,
        );
      }
      randomFillSync(array as unknown as Uint8Array);
      return array;
    },
    randomUUID(): string {
      return nodeRandomUUID();
    },
    random(): number {
      randomFillSync(pool);
      // 21 high bits of one word and 32 of the other: 53 bits, exactly
      // representable, so the result is uniform on [0, 1).
      return ((pool[0]! >>> 11) * 0x100000000 + pool[1]!) / 2 ** 53;
    },
  });
  madeRandoms.add(random);
  return random;
}

/**
 * Whether `value` is a randomness capability this module made (a host then
 * gives the cell's `Math.random` and `crypto` randomness too, inside a wall
 * from the wall's own source).
 *
 * @example
 * ```ts
 * isRandomCap(makeRandomCap()); // true
 * ```
 */
export const isRandomCap = (value: unknown): boolean =>
  typeof value === "object" && value !== null && madeRandoms.has(value);
