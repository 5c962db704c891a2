/**
 * Makes the `CellError`s of the module loader.
 *
 * Invariants:
 * 1. The error carries no host stack: its `stack` is only its name and
 *    message, whatever the realm's error taming, because these errors are
 *    thrown straight into cell code (a failed `import()` or `require()`),
 *    not through the membrane.
 * 2. The error is hardened, so a cell cannot change an error another module
 *    (or the host) will read.
 *
 * It does not write messages; callers do, in the cell's terms. Errors that
 * SES or the compartment mapper create themselves rely on the realm's
 * `errorTaming: 'safe'` (the default) to hide their stacks.
 */
import { CellError } from "@padded-cell/membrane";
import type { ModuleErrorCode } from "./module-error-codes.js";

const { defineProperty } = Object;

/**
 * A hardened `CellError` with a module-loader code and no host stack.
 *
 * @example
 * ```ts
 * throw moduleError("MODULE_NOT_FOUND", "Not found: ./nope.js does not exist in the plugin folder.");
 * ```
 */
export const moduleError = (code: ModuleErrorCode, message: string): CellError => {
  const error = new CellError(code, message);
  defineProperty(error, "stack", {
    value: `CellError: ${message}`,
    writable: false,
    enumerable: false,
    configurable: false,
  });
  return harden(error);
};
