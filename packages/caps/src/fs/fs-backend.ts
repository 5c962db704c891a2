/**
 * The storage interface under a directory capability. A backend works on
 * segment arrays relative to its own root (already parsed and normalised by
 * `virtual-path.ts`); the capability layer (`fs-cap-core.ts`) applies the
 * policy (sub-root, read-only, quotas, filters) and turns backend failures into
 * `CellError`s with virtual paths.
 *
 * Invariants a backend must keep:
 * 1. `resolve` returns where a path really leads (after symbolic links), or
 *    `undefined` if it leads outside the backend root; every other method is
 *    only called with segments `resolve` returned and the capability approved.
 * 2. A method never follows a symbolic link it was not told about: if the
 *    entry at the approved segments changed into a link since `resolve`, the
 *    method fails with code `FS_PATH_CHANGED` instead of following it.
 * 3. Failures carry a `code` string (`ENOENT`, ...); their messages are never
 *    shown to a cell.
 *
 * It does not check policy; that is the capability layer's job.
 */
import type { DirEntry, StatRecord } from "./fs-types.js";

/** Segments relative to a backend root. */
export type Segments = readonly string[];

/** An open file being read. */
export interface BackendReader {
  /** Size when opened. */
  readonly size: number;
  /** Read up to `max` bytes; an empty array means end of file. */
  read(max: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** An open file being written. */
export interface BackendWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** What removing something freed, for quotas. */
export interface Freed {
  readonly bytes: number;
  readonly files: number;
}

/** Storage under a capability. */
export interface FsBackend {
  /**
   * Where `segs` leads. With `followLeaf` the last segment is followed if it
   * is a link; parents are always followed. A missing leaf resolves to its
   * resolved parent plus the leaf name. `undefined`: it leads outside the root.
   */
  resolve(segs: Segments, followLeaf: boolean): Promise<Segments | undefined>;
  /** Metadata of the entry itself, or `undefined` if it does not exist. */
  lstat(segs: Segments): Promise<StatRecord | undefined>;
  readdir(segs: Segments): Promise<DirEntry[]>;
  openRead(segs: Segments): Promise<BackendReader>;
  /** Whole-file read. */
  readFile(segs: Segments): Promise<Uint8Array>;
  /**
   * Optional fast path: read `segs` as spelled, without `resolve`, if the
   * backend can prove the file it opened is exactly at `segs` with no link on
   * the way. Returns `undefined` (never throws) whenever it cannot; the caller
   * then takes the checked path, which also produces the errors.
   */
  readFileIfLinkFree?(segs: Segments): Promise<Uint8Array | undefined>;
  openWrite(segs: Segments, append: boolean): Promise<BackendWriter>;
  /** Create one directory; its parent must exist. */
  mkdir(segs: Segments): Promise<void>;
  /** Remove a file, link or empty directory; with `recursive`, a whole tree. */
  rm(segs: Segments, recursive: boolean): Promise<Freed>;
  rename(from: Segments, to: Segments): Promise<void>;
}
