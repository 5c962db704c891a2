/**
 * A host-wide cache of compiled ES module sources, so that a second cell
 * loading the same package does not compile it again.
 *
 * Compiling an ES module (parse, transform, generate: `new ModuleSource`)
 * dominates the time to load a package such as markdown-it. The compiled
 * record is data: the functor's source text and the lists of imports and
 * exports. Each compartment evaluates it into its own instance, so sharing
 * the record between cells shares no state.
 *
 * Invariants:
 * 1. Only hardened records are stored and returned, so no cell (and no
 *    loader) can change a record another cell will use.
 * 2. The key is the module's virtual location AND its full source text: a
 *    changed file is a miss, never a stale hit, and a record is never served
 *    for a location it was not compiled for (its error positions and
 *    `sourceURL` name that location).
 * 3. Memory is bounded: at most `maxEntries` records and `maxChars` of
 *    source text; the oldest entries are evicted first.
 *
 * It does not cache CommonJS modules (their records hold per-loader read
 * powers) and does not persist anything.
 */

/** A cache of compiled module records by location and source text. */
export interface ModuleSourceCache {
  /** The record compiled for exactly this location and source, if cached. */
  readonly get: (location: string, source: string) => object | undefined;
  /** Stores a record (hardening it), evicting the oldest entries if full. */
  readonly set: (location: string, source: string, record: object) => void;
  /** The number of records held. */
  readonly size: () => number;
}

/**
 * Makes a bounded cache of compiled module records.
 *
 * @example
 * ```ts
 * const cache = makeModuleSourceCache({ maxEntries: 1024, maxChars: 32 * 1024 * 1024 });
 * cache.set("file:///plugin/a.js", "export {};", record);
 * ```
 */
export const makeModuleSourceCache = (limits: {
  readonly maxEntries: number;
  readonly maxChars: number;
}): ModuleSourceCache => {
  const entries = new Map<string, object>();
  let chars = 0;
  // Length-prefixed, so no (location, source) pair can forge another's key.
  const keyOf = (location: string, source: string): string =>
    `${location.length}:${location}${source}`;

  const get = (location: string, source: string): object | undefined =>
    entries.get(keyOf(location, source));

  const set = (location: string, source: string, record: object): void => {
    const key = keyOf(location, source);
    if (key.length > limits.maxChars || entries.has(key)) return;
    entries.set(key, harden(record));
    chars += key.length;
    for (const oldest of entries.keys()) {
      if (entries.size <= limits.maxEntries && chars <= limits.maxChars) break;
      entries.delete(oldest);
      chars -= oldest.length;
    }
  };

  return harden({ get, set, size: () => entries.size });
};
