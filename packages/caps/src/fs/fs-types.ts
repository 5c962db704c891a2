/**
 * The shapes shared by every directory capability (host disk or memory): the
 * `DirCap` interface a cell sees, and the plain records it returns.
 *
 * Invariants:
 * 1. Results are plain hardened data: no inode, device, uid/gid or host path
 *    ever appears in a record (a `StatRecord` has permission bits only).
 * 2. Every method that touches storage returns a promise, so the interface is
 *    the same whether the capability is called in-thread or across a wall.
 *
 * It does not implement anything; see `fs-dir-cap.ts` and `fs-memory-cap.ts`.
 */

/** What kind of entry a path names. */
export type FsEntryType = "file" | "dir" | "symlink" | "other";

/** One entry of a directory listing. */
export interface DirEntry {
  /** The entry's name inside the directory (no slashes). */
  readonly name: string;
  /** What the entry is; a link is `symlink` whatever it points to. */
  readonly type: FsEntryType;
}

/** Metadata of a file or directory, with host-identifying fields removed. */
export interface StatRecord {
  /** What the entry is. */
  readonly type: FsEntryType;
  /** Size in bytes (0 for directories of the memory capability). */
  readonly size: number;
  /** Last content change, in milliseconds since the epoch. */
  readonly mtimeMs: number;
  /** Last metadata change, in milliseconds since the epoch. */
  readonly ctimeMs: number;
  /** Creation time where the host file system records it, else as Node reports it. */
  readonly birthtimeMs: number;
  /** Permission bits only (`mode & 0o7777`). */
  readonly mode: number;
}

/** Bytes a quota allows a capability to add, and entries it may create. */
export interface FsQuota {
  /** Net growth in bytes the capability may cause. */
  readonly bytes: number;
  /** Net number of files and directories the capability may create. */
  readonly files: number;
}

/** A streaming reader: an async iterable of byte chunks that can be closed early. */
export interface FsReadStream extends AsyncIterable<Uint8Array> {
  /** Stop reading and release the file. Safe to call twice. */
  close(): Promise<void>;
}

/** A streaming writer returned by `openWrite`. */
export interface FsWriteHandle {
  /** Append bytes (or UTF-8 text) at the end of what was written so far. */
  write(data: string | Uint8Array): Promise<void>;
  /** Flush and release the file. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A directory capability. Paths are virtual: `/` is the root of the grant and
 * relative paths are relative to it; `..` cannot climb above it.
 */
export interface DirCap {
  /** Read a whole file as bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Read a whole file as UTF-8 text. */
  readFile(path: string, options: { encoding: "utf8" | "utf-8" }): Promise<string>;
  /** Read a whole file: bytes, or text with `{ encoding: "utf8" }`. */
  readFile(path: string, options?: { encoding?: "utf8" | "utf-8" }): Promise<Uint8Array | string>;
  /** Create or replace a file. */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Append to a file, creating it if needed. */
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  /** List a directory (sorted by name). */
  readdir(path: string): Promise<readonly DirEntry[]>;
  /** Metadata, following symbolic links that stay inside the grant. */
  stat(path: string): Promise<StatRecord>;
  /** Metadata of the entry itself (a link is reported as `symlink`). */
  lstat(path: string): Promise<StatRecord>;
  /** Create a directory; with `recursive`, create missing parents and accept an existing one. */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Remove a file, a symbolic link, an empty directory, or (with `recursive`) a tree. */
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  /** Move a file or directory inside the grant. */
  rename(from: string, to: string): Promise<void>;
  /** Copy a file inside the grant. */
  copy(from: string, to: string): Promise<void>;
  /** Stream a file in chunks (for large files). */
  openRead(path: string, options?: { chunkSize?: number }): Promise<FsReadStream>;
  /** Open a file for streaming writes (truncating it, or appending with `{ append: true }`). */
  openWrite(path: string, options?: { append?: boolean }): Promise<FsWriteHandle>;
  /** A capability rooted at a subdirectory; it keeps every restriction of this one. */
  sub(path: string): DirCap;
  /** A capability that can read but never change anything. */
  readOnly(): DirCap;
  /** A capability whose writes also count against a new quota. */
  withQuota(quota: FsQuota): DirCap;
  /** A capability that sees only paths matching the glob(s) (picomatch syntax, relative to its root). */
  filter(globs: string | readonly string[]): DirCap;
}
