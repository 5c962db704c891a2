/**
 * Lets a plugin folder go without a package.json, or with one that has no
 * `name`: the plugin's own root package.json reads as if it said
 * `{"name": "plugin", "type": "module"}` (the fields it lacks), so a
 * single-file plugin runs as written.
 *
 * Invariants:
 * 1. Only the root package.json of the plugin (`file:///plugin/package.json`)
 *    is ever supplied or completed; every other read goes to the wrapped
 *    read powers unchanged, so confinement stays theirs.
 * 2. A package.json that exists keeps every field it has; only a missing
 *    `name` (and a missing file's `type`) is supplied. One that is not a
 *    JSON object is passed through, so the mapper reports it as before.
 *
 * It does not add dependencies: a plugin that imports packages still needs
 * a package.json listing them.
 */
import { VIRTUAL_ROOT, type ConfinedReadPowers } from "./module-read-powers.js";

const ROOT_PACKAGE = `${VIRTUAL_ROOT}package.json`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const completed = (bytes: Uint8Array | undefined): Uint8Array => {
  if (bytes === undefined) return encoder.encode('{"name":"plugin","type":"module"}');
  let pkg: unknown;
  try {
    pkg = JSON.parse(decoder.decode(bytes));
  } catch {
    return bytes; // invariant 2: the mapper reports the syntax error
  }
  if (typeof pkg !== "object" || pkg === null || Array.isArray(pkg) || "name" in pkg) return bytes;
  return encoder.encode(JSON.stringify({ name: "plugin", ...pkg }));
};

/**
 * Read powers whose root package.json is supplied when missing and named
 * when unnamed.
 *
 * @example
 * ```ts
 * const powers = withDefaultPackage(makeConfinedReadPowers(realRoot));
 * ```
 */
export const withDefaultPackage = (powers: ConfinedReadPowers): ConfinedReadPowers => {
  const isRoot = (location: string): boolean => location === ROOT_PACKAGE;
  return harden({
    ...powers,
    read: async (location: string) =>
      isRoot(location) ? completed(await powers.maybeRead(location)) : powers.read(location),
    maybeRead: async (location: string) =>
      isRoot(location) ? completed(await powers.maybeRead(location)) : powers.maybeRead(location),
    maybeReadNow: (location: string) =>
      isRoot(location) ? completed(powers.maybeReadNow(location)) : powers.maybeReadNow(location),
  });
};
