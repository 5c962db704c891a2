/**
 * The one error type of Padded Cell: every denial, revocation and limit is a
 * {@link CellError} with a stable `code`.
 *
 * Invariants:
 * 1. The message is written in the cell's terms: virtual paths, grant names,
 *    host names the cell itself used. Callers must never put a host path, a
 *    host stack or a host object into it.
 * 2. The only fields are `name`, `message` and `code`; the membrane copies
 *    exactly these when an error crosses to a guest, so nothing else can leak.
 *
 * It does not decide wording; each package keeps its codes in its own
 * `error-codes.ts`, with cause and mitigation for the docs.
 */
import { hardenExport } from "./harden-export.js";

/**
 * An error with a stable, documented `code`.
 *
 * @example
 * ```ts
 * throw new CellError("FS_DENIED", "Denied: write to /notes.txt. Grant write access (dir.readOnly() removed it).");
 * ```
 */
export class CellError extends Error {
  /** Stable machine-readable code, e.g. `"REVOKED"` or `"FS_DENIED"`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
Object.defineProperty(CellError.prototype, "name", {
  value: "CellError",
  writable: true,
  configurable: true,
});
hardenExport(CellError);
