/**
 * Error codes of module loading in a cell: what each means and how to fix it.
 *
 * Invariants:
 * 1. Every `CellError` thrown by the module loader uses a code from this
 *    table, so a host can branch on `error.code` and the docs list them all.
 *
 * It does not build messages; `module-loader.ts` and its helpers do, in the
 * cell's terms (specifiers and paths relative to the plugin root).
 */

/**
 * How the docs explain one module-loader error code.
 *
 * @example
 * ```ts
 * const doc: ModuleErrorCodeDoc = moduleErrorCodes.MODULE_DENIED;
 * ```
 */
export interface ModuleErrorCodeDoc {
  /** What happened, in the cell's terms. */
  readonly cause: string;
  /** What the plugin author or the host can do about it. */
  readonly mitigation: string;
}

/**
 * A stable code of the module loader.
 *
 * @example
 * ```ts
 * const code: ModuleErrorCode = "MODULE_DENIED";
 * ```
 */
export type ModuleErrorCode =
  | "MODULE_DENIED"
  | "MODULE_NOT_FOUND"
  | "MODULE_OUTSIDE_ROOT"
  | "MODULE_SYNTAX"
  | "MODULE_LOAD_FAILED"
  | "MODULE_BAD_REQUEST";

// The table itself; exported below with a documented type.
const table: Readonly<Record<ModuleErrorCode, ModuleErrorCodeDoc>> = {
  /** An import the cell's allow list or grants do not permit. */
  MODULE_DENIED: {
    cause:
      "The cell imported a package that is not on its imports allow list, or a Node builtin the host did not provide (builtins are provided only as facades bound to a grant).",
    mitigation:
      "Add the package name (or 'pkg/*' for its subpaths) to the cell's imports allow list, or grant the capability that provides the builtin (for example fs for node:fs/promises).",
  },
  /** A module or package that does not exist under the plugin root. */
  MODULE_NOT_FOUND: {
    cause:
      "No file matches the specifier under the plugin root, or an allowed package is not installed in the plugin's node_modules or not declared in its package.json dependencies.",
    mitigation:
      "Check the specifier, install the package in the plugin folder and list it in the plugin's package.json dependencies.",
  },
  /** A specifier or symbolic link that leads outside the plugin root. */
  MODULE_OUTSIDE_ROOT: {
    cause:
      "A specifier climbed above its package with '../', was an absolute path or URL, or a file or package is a symbolic link to a place outside the plugin root.",
    mitigation:
      "Import modules relative to the importing module and inside the plugin folder; copy (do not symlink) packages into the plugin's node_modules.",
  },
  /** A module that does not parse. */
  MODULE_SYNTAX: {
    cause:
      "A module's source is not valid JavaScript (or JSON), or uses a construct cells do not support, such as top-level await or an HTML comment.",
    mitigation:
      "Fix the module's source; compile newer syntax away, and move top-level await into an exported async function.",
  },
  /** A module that threw while it was being evaluated, or any other load failure. */
  MODULE_LOAD_FAILED: {
    cause:
      "A module threw while it was evaluated (for example it tried to change a frozen intrinsic), or the plugin's package.json or node_modules could not be mapped.",
    mitigation:
      "Read the message: it names the package and file that failed (with the line when known) and why. Code in a cell cannot modify shared intrinsics such as Array.prototype; keep such state in the module. A package's exports map that redirects endlessly is refused here too: fix its patterns.",
  },
  /** A bad argument to the loader from the host or the cell. */
  MODULE_BAD_REQUEST: {
    cause:
      "The loader was given an invalid option or specifier (not a string, empty, or an allow-list entry that is neither a package name nor 'pkg/*').",
    mitigation:
      "Pass specifiers as strings such as './index.js' or 'markdown-it', and allow-list entries as package names or 'pkg/*'.",
  },
};

/**
 * Stable codes of the module loader, with cause and mitigation for the docs.
 *
 * @example
 * ```ts
 * import { moduleErrorCodes } from "@padded-cell/host";
 * console.log(moduleErrorCodes.MODULE_DENIED.mitigation);
 * ```
 */
export const moduleErrorCodes: Readonly<Record<ModuleErrorCode, ModuleErrorCodeDoc>> = table;
