/**
 * `cell.run("index.js")`: as in an `import`, a bare specifier names a
 * package, so the plugin's own file is `"./index.js"`. When a bare specifier
 * that reads like a file is refused as a package, the refusal says how to
 * name the file instead (the fix the user can apply).
 *
 * It does not change what is imported: the specifier means what it means in
 * an `import`, at every isolation level.
 */
import { CellError, isCellError } from "@padded-cell/membrane";

/** A bare specifier ending in a module file's extension, like `index.js` or `lib/a.mjs`. */
const FILE_LIKE = /^[^./][^:]*\.(?:[cm]?[jt]s|json)$/;

/**
 * Runs `run`; a `MODULE_DENIED` for a file-like bare `specifier` comes back
 * with the relative spelling to use.
 *
 * @example
 * ```ts
 * await withRunHint("index.js", () => loader.importModule("index.js"));
 * // CellError MODULE_DENIED: ... To run the plugin's own file, write "./index.js" ...
 * ```
 */
export const withRunHint = async <T>(specifier: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    if (FILE_LIKE.test(specifier) && isCellError(error, "MODULE_DENIED")) {
      throw new CellError(
        "MODULE_DENIED",
        `${(error as Error).message} To run the plugin's own file, write "./${specifier}": a bare name is a package, as in an import.`,
      );
    }
    throw error;
  }
};
