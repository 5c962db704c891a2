/**
 * `makeDirCap`: a capability on one host directory, for a cell.
 *
 * Invariants (the policy layer `fs-cap-core.ts` and the disk backend
 * `fs-host-backend.ts` enforce them; this file only joins the two):
 * 1. The cell names files only by virtual path; the host root never appears
 *    in a result or an error.
 * 2. Nothing outside the host root is reachable: not by `..`, not by a
 *    symbolic link, not by a link swapped in during an operation.
 *
 * It does not create links of any kind, change permissions or owners, or
 * watch files. A hard link the host placed inside the root to an outside file
 * is readable: a hard link is the file, and no check can tell it apart.
 */
import { makeCapFromPolicy } from "./fs-cap-core.js";
import { fsError } from "./fs-error-codes.js";
import { makeHostBackend } from "./fs-host-backend.js";
import type { DirCap } from "./fs-types.js";
import type { ResourceScope } from "../resource-scope.js";

/** Options of {@link makeDirCap}. */
export interface DirCapOptions {
  /** Streams and write handles register here, so closing the scope closes them. */
  readonly scope?: ResourceScope;
  /** A name for the grant, shown in denials ("docs"); must not be a host path. */
  readonly name?: string;
}

/**
 * Make a capability on the host directory `hostRoot` (resolved against the
 * current directory; links in it are followed once, on first use).
 *
 * @example
 * ```ts
 * const scope = makeResourceScope("markdown-plugin");
 * const docs = makeDirCap("/srv/site/docs", { scope }).readOnly();
 * const text = await docs.readFile("/index.md", { encoding: "utf8" });
 * const drafts = makeDirCap("/srv/site/drafts").withQuota({ bytes: 1 << 20, files: 100 });
 * await drafts.writeFile("/new.md", "# Hello");
 * ```
 */
export function makeDirCap(hostRoot: string, options?: DirCapOptions): DirCap {
  if (typeof hostRoot !== "string" || hostRoot.length === 0 || hostRoot.includes("\0")) {
    throw fsError("FS_BAD_ARGUMENT", "makeDirCap: hostRoot must be a non-empty path string.");
  }
  return makeCapFromPolicy({
    backend: makeHostBackend(hostRoot),
    root: harden([]),
    readOnly: false,
    quotas: [],
    filters: [],
    scope: options?.scope,
    name: options?.name,
  });
}
