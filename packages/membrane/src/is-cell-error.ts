/**
 * The one documented way to test an error's kind, wherever it was thrown:
 * `isCellError(e, "FS_DENIED")`. `e instanceof CellError` holds only for
 * errors made in the host's own realm; an error that comes back from a cell
 * (through a membrane or across a wall) is a copy, an `Error` that keeps the
 * name `"CellError"` and the `code`.
 *
 * Invariants:
 * 1. Only own data properties are read (`name` along the prototype chain,
 *    `code` on the error): no getter or proxy trap of a guest object runs
 *    beyond `getOwnPropertyDescriptor`/`getPrototypeOf`, and a throwing
 *    trap makes the answer `false`.
 * 2. It is a test of kind, not of authority: a cell can make an error that
 *    claims any name and code. Never grant anything because of it.
 *
 * It does not copy or change the error.
 */
import { CellError } from "./cell-error.js";
import { ReflectGetOwnPropertyDescriptor, ReflectGetPrototypeOf } from "./commons.js";
import { hardenExport } from "./harden-export.js";
import { MAX_PROTO_DEPTH } from "./error-copy.js";

const ownData = (object: object, key: string): unknown => {
  const desc = ReflectGetOwnPropertyDescriptor(object, key);
  return desc !== undefined && "value" in desc ? desc.value : undefined;
};

const claimsCellError = (error: object): boolean => {
  let current: object | null = error;
  for (let depth = 0; current !== null && depth < MAX_PROTO_DEPTH; depth += 1) {
    const name = ownData(current, "name");
    if (typeof name === "string") return name === "CellError";
    current = ReflectGetPrototypeOf(current);
  }
  return false;
};

/**
 * Whether `error` is a {@link CellError} (made here, or copied back from a
 * cell), and, given `code`, whether it has that code.
 *
 * @example
 * ```ts
 * try {
 *   await cell.run("./index.js");
 * } catch (e) {
 *   if (isCellError(e, "POLICY_FS_DENIED")) console.error("the plugin read a file it was not granted");
 * }
 * ```
 */
export function isCellError(error: unknown, code?: string): boolean {
  if ((typeof error !== "object" && typeof error !== "function") || error === null) return false;
  try {
    const own = ownData(error, "code");
    if (typeof own !== "string") return false;
    if (!(error instanceof CellError) && !claimsCellError(error)) return false;
    return code === undefined || own === code;
  } catch {
    return false; // invariant 1: a hostile proxy's throwing trap
  }
}
hardenExport(isCellError);
