/**
 * The error codes of the file capabilities (`makeDirCap`, `makeMemoryDirCap`,
 * the `node:fs` facades), with cause and mitigation for the docs site.
 *
 * Invariants:
 * 1. Every error a file capability throws is a `CellError` whose code is a key
 *    of {@link fsErrorCodes}; a host error is re-created, never passed on, so
 *    its message, `path`, `syscall` and stack (which hold host paths) stay in
 *    the host.
 * 2. Messages quote only virtual paths (as the cell spelled or normalised
 *    them), never the host root.
 *
 * It does not decide policy; the capability files do.
 */
import { CellError, hardenExport } from "@padded-cell/membrane";

/** How the docs explain one error code. */
export interface FsErrorCodeDoc {
  /** What happened, in the cell's terms. */
  readonly cause: string;
  /** What the cell or the host can do about it. */
  readonly mitigation: string;
}

// The table itself; exported below with a documented type.
const table: Readonly<Record<FsErrorCode, FsErrorCodeDoc>> = {
  ENOENT: {
    cause: "No file or directory exists at the virtual path (or a parent of it is missing).",
    mitigation:
      "Create it first, or check the spelling; paths are relative to the granted directory.",
  },
  EEXIST: {
    cause: "Something already exists at the virtual path and the operation must create it.",
    mitigation: "Remove it first, pick another name, or use `{ recursive: true }` for `mkdir`.",
  },
  ENOTDIR: {
    cause:
      "A component of the virtual path, or the target of a directory operation, is not a directory.",
    mitigation: "Check the path; files cannot contain entries.",
  },
  EISDIR: {
    cause: "A file operation (read, write, copy) was asked of a directory.",
    mitigation: "Use `readdir`/`mkdir`/`rm` for directories.",
  },
  ENOTEMPTY: {
    cause:
      "A directory that still has entries was removed without `{ recursive: true }`, or renamed onto a non-empty directory.",
    mitigation: "Remove the entries first or pass `{ recursive: true }`.",
  },
  ELOOP: {
    cause: "Resolving a symbolic link inside the granted directory led to a loop.",
    mitigation: "Ask the host to fix the links; the capability cannot create or change links.",
  },
  EACCES: {
    cause:
      "The host operating system refused the operation (file permissions of the host account).",
    mitigation: "Ask the host to change the permissions of the granted directory.",
  },
  FS_BAD_PATH: {
    cause:
      "The path is not a primitive string, or holds a NUL byte, a control character, a backslash, a look-alike slash (U+2215, U+2044, U+FF0F, ...) or a lone surrogate.",
    mitigation:
      "Pass a plain string with `/` as the only separator. Buffers, URLs and objects are refused rather than converted.",
  },
  FS_PATH_TOO_LONG: {
    cause:
      "The path is longer than 4096 bytes of UTF-8, or one of its segments is longer than 255 bytes.",
    mitigation: "Use shorter names.",
  },
  FS_OUTSIDE_ROOT: {
    cause:
      "The path, after `..` segments or symbolic links are resolved, would be outside the granted directory.",
    mitigation:
      "Stay inside the granted directory; ask the host for a capability on the other directory if you need it.",
  },
  FS_DENIED_READ_ONLY: {
    cause:
      "A write, create, remove or rename was attempted through a read-only directory capability.",
    mitigation: "Ask the host for a writable capability (one without `.readOnly()`).",
  },
  FS_QUOTA_EXCEEDED: {
    cause:
      "The write would make the directory grow by more bytes, or create more files, than the capability's quota allows.",
    mitigation:
      "Remove files through the same capability to free quota, or ask the host for a larger `withQuota(...)`.",
  },
  FS_FILTERED: {
    cause:
      "The path does not match the glob filter of the capability, so the capability cannot see it.",
    mitigation:
      "Use a path that matches the filter, or ask the host for a capability with a wider filter.",
  },
  FS_NOT_SUPPORTED: {
    cause:
      "The operation exists in `node:fs` but a directory capability does not offer it (links, permissions, owners, raw file descriptors, watching, synchronous calls).",
    mitigation:
      "Use the asynchronous operations of the capability; the message names the member and, where there is one, the alternative.",
  },
  FS_WIDEN_DENIED: {
    cause:
      "An attenuation was asked to widen the capability: `sub` above its root, or a quota or filter argument that would grant more than the capability holds.",
    mitigation: "Attenuation only narrows; ask the host for the wider capability itself.",
  },
  FS_PATH_CHANGED: {
    cause:
      "The file or one of its parent directories was swapped (for example by a symbolic link) while the capability was opening it.",
    mitigation: "Retry; if it persists, something is racing the cell inside the granted directory.",
  },
  FS_SPECIAL_FILE: {
    cause:
      "The path names a device, FIFO or socket; the capability only reads and writes regular files.",
    mitigation: "Ask the host for a capability made for that resource.",
  },
  FS_BAD_ARGUMENT: {
    cause:
      "An argument other than the path has the wrong type (data that is neither a string nor a Uint8Array, an unknown encoding, a bad option).",
    mitigation: "Pass strings or Uint8Array for data and `'utf8'` as the only encoding.",
  },
  FS_CLOSED: {
    cause:
      "A stream or write handle was used after it was closed (by the cell, or because the host closed the cell's resource scope).",
    mitigation: "Open a new one.",
  },
  FS_IO: {
    cause:
      "The host operating system reported an input/output failure the capability has no finer code for (disk full, I/O error, ...).",
    mitigation: "Retry later or ask the host; the message names the operating-system error code.",
  },
};

/** A code of {@link fsErrorCodes}. */
export type FsErrorCode =
  | "ENOENT"
  | "EEXIST"
  | "ENOTDIR"
  | "EISDIR"
  | "ENOTEMPTY"
  | "ELOOP"
  | "EACCES"
  | "FS_BAD_PATH"
  | "FS_PATH_TOO_LONG"
  | "FS_OUTSIDE_ROOT"
  | "FS_DENIED_READ_ONLY"
  | "FS_QUOTA_EXCEEDED"
  | "FS_FILTERED"
  | "FS_NOT_SUPPORTED"
  | "FS_WIDEN_DENIED"
  | "FS_PATH_CHANGED"
  | "FS_SPECIAL_FILE"
  | "FS_BAD_ARGUMENT"
  | "FS_CLOSED"
  | "FS_IO";

/**
 * Codes of the file capabilities. The POSIX-style codes (`ENOENT`, ...) keep
 * their Node meaning so code written for `node:fs` can test `err.code` as usual.
 *
 * @example
 * ```ts
 * try { await dir.readFile("/missing.txt"); }
 * catch (e) { if ((e as { code?: string }).code === "ENOENT") console.log(fsErrorCodes.ENOENT.mitigation); }
 * ```
 */
export const fsErrorCodes: Readonly<Record<FsErrorCode, FsErrorCodeDoc>> = hardenExport(table);

/**
 * Make a `CellError` with a code from {@link fsErrorCodes}.
 *
 * @example
 * ```ts
 * throw fsError("FS_OUTSIDE_ROOT", "read of /../etc/passwd denied: it is outside the granted directory.");
 * ```
 */
export function fsError(code: FsErrorCode, message: string): CellError {
  return new CellError(code, message);
}
