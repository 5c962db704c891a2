/**
 * Turn a failure from a storage backend (a Node `fs` error, or a backend's own
 * coded error) into a `CellError` that speaks only in virtual paths.
 *
 * Invariants:
 * 1. The host error is never passed on or wrapped: only its `code` string is
 *    read (as an own data property, so no getter runs), and a new error is
 *    made from our own text and the virtual path. The host error's message,
 *    `path`, `dest`, `syscall`, `errno` and stack (host paths) stay behind.
 *    (Closes the class "host path leaks through a re-thrown Node error".)
 * 2. A `CellError` raised by our own code passes through unchanged.
 *
 * It does not log; hosts that want the original should catch it in the backend.
 */
import { CellError } from "@padded-cell/membrane";
import { fsError, type FsErrorCode } from "./fs-error-codes.js";

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

const texts: Partial<Record<string, [FsErrorCode, string]>> = {
  ENOENT: ["ENOENT", "no such file or directory"],
  EEXIST: ["EEXIST", "already exists"],
  ENOTDIR: ["ENOTDIR", "not a directory"],
  EISDIR: ["EISDIR", "is a directory"],
  ENOTEMPTY: ["ENOTEMPTY", "directory not empty"],
  ELOOP: ["ELOOP", "too many levels of symbolic links"],
  EACCES: ["EACCES", "permission denied by the host operating system"],
  EPERM: ["EACCES", "operation not permitted by the host operating system"],
  FS_PATH_CHANGED: ["FS_PATH_CHANGED", "the path changed while it was being opened; retry"],
  FS_SPECIAL_FILE: ["FS_SPECIAL_FILE", "not a regular file (device, FIFO or socket)"],
};

/**
 * Make a backend-level error carrying only a code (backends throw these).
 *
 * @example
 * ```ts
 * throw codedFailure("ENOENT");
 * ```
 */
export function codedFailure(code: string): Error {
  const e = new Error(code);
  Object.defineProperty(e, "code", { value: code });
  return e;
}

/**
 * Translate anything a backend threw into a `CellError` for `op` on the
 * virtual path `vpath` (already quoted or canonical).
 *
 * @example
 * ```ts
 * try { await backend.readFile(segs); } catch (e) { throw toCellError(e, "readFile", "/a.txt"); }
 * ```
 */
export function toCellError(e: unknown, op: string, vpath: string): CellError {
  if (e instanceof CellError) return e;
  let code: unknown;
  if (typeof e === "object" && e !== null) {
    const d = getOwnPropertyDescriptor(e, "code");
    code = d !== undefined && "value" in d ? d.value : undefined;
  }
  const known = typeof code === "string" ? texts[code] : undefined;
  if (known !== undefined) return fsError(known[0], `${known[0]}: ${known[1]}, ${op} ${vpath}`);
  const shown = typeof code === "string" && /^E[A-Z0-9]{1,20}$/.test(code) ? code : "unknown";
  return fsError("FS_IO", `${op} ${vpath} failed: the host reported an I/O error (${shown}).`);
}
