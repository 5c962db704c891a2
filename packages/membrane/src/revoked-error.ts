/**
 * The error every use of a revoked reference throws.
 *
 * Invariant: revocation never surfaces as an engine `TypeError` ("illegal
 * operation attempted on a revoked proxy"); every trap checks revocation
 * first and throws this, naming what was revoked and why.
 */
import { CellError } from "./cell-error.js";
import { hardenExport } from "./harden-export.js";

/**
 * Thrown by any use of a reference after its membrane, grant or caretaker was
 * revoked. `code` is always `"REVOKED"`.
 *
 * @example
 * ```ts
 * try {
 *   await fs.readFile("/a.txt");
 * } catch (error) {
 *   if ((error as { code?: string }).code === "REVOKED") console.log("plugin was disabled");
 * }
 * ```
 */
export class RevokedError extends CellError {
  constructor(what: string, reason: string) {
    super("REVOKED", `${what} was revoked (${reason}); every reference it handed out is dead.`);
  }
}
Object.defineProperty(RevokedError.prototype, "name", {
  value: "RevokedError",
  writable: true,
  configurable: true,
});
hardenExport(RevokedError);
