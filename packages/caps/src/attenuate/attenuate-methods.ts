/**
 * `allowMethods`: narrow a capability to a list of its methods.
 *
 * Invariants:
 * 1. The result has exactly the listed methods; every other method is absent
 *    (hidden, not stubbed), so the cell cannot even name it.
 * 2. Naming a method the capability does not have fails with
 *    `ATTENUATE_WIDEN_DENIED`: attenuation cannot add what an earlier layer
 *    removed.
 *
 * It does not check arguments; compose with other attenuators for that.
 */
import { CellError } from "@padded-cell/membrane";
import {
  capabilityName,
  readMethods,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";

/**
 * Keep only the named methods of `cap`.
 *
 * @example
 * ```ts
 * const readOnly = allowMethods(notes, ["read", "list"], { name: "notes" });
 * readOnly.write; // undefined: hidden
 * ```
 */
export function allowMethods<T extends Capability, K extends keyof T & string>(
  cap: T,
  names: readonly K[],
  options?: AttenuateOptions,
): Pick<T, K> {
  const name = capabilityName(options);
  const present = readMethods(cap, name);
  const allowed = new Set<string>();
  if (!Array.isArray(names)) {
    throw new CellError(
      "ATTENUATE_INVALID_OPTION",
      `allowMethods on ${name} needs an array of method names.`,
    );
  }
  for (const method of [...names] as unknown[]) {
    if (typeof method !== "string") {
      throw new CellError(
        "ATTENUATE_INVALID_OPTION",
        `allowMethods on ${name} needs method names as strings.`,
      );
    }
    if (!present.has(method)) {
      throw new CellError(
        "ATTENUATE_WIDEN_DENIED",
        `Denied: ${name} has no method ${method} to allow (attenuation only narrows).`,
      );
    }
    allowed.add(method);
  }
  return wrapCapability(cap, name, (_method, _args, next) => next(), {
    keep: (method) => allowed.has(method),
  }).cap as Pick<T, K>;
}
