/**
 * `node:fs/promises`- and `node:fs`-shaped objects over a `DirCap`, so code
 * written for Node's file API runs inside a cell unchanged, with the narrower
 * powers of the capability (design principle 6: same names, narrower powers).
 *
 * Invariants:
 * 1. Every call goes through the `DirCap`, so every check of the capability
 *    (virtual paths, read-only, quota, filter, links) applies; the facade adds
 *    no power of its own.
 * 2. Every member Node has that we do not support exists and fails with
 *    `FS_NOT_SUPPORTED` naming the member (rejecting for promise APIs,
 *    throwing for sync and callback ones), so feature detection cannot
 *    mistake absence for a bug, and the message says what to use instead.
 * 3. Results are fresh hardened records (`Stats`- and `Dirent`-like objects
 *    with methods, never Node's classes) holding no host path, inode, device
 *    or owner.
 *
 * It does not return Buffers (bytes are `Uint8Array`), accept Buffer or URL
 * paths, support encodings other than UTF-8, or give file descriptors.
 */
import * as nodeFs from "node:fs";
import * as nodeFsPromises from "node:fs/promises";
import { hardenExport } from "@padded-cell/membrane";
import { fsError } from "./fs-error-codes.js";
import type { DirCap, DirEntry, FsEntryType, StatRecord } from "./fs-types.js";
import { formatVirtualPath, parseVirtualPath } from "./virtual-path.js";

const F_OK = 0;
const R_OK = 4;
const W_OK = 2;
const X_OK = 1;
const COPYFILE_EXCL = 1;
const COPYFILE_FICLONE = 2;
const COPYFILE_FICLONE_FORCE = 4;
const constants: FsConstants = hardenExport({
  F_OK,
  R_OK,
  W_OK,
  X_OK,
  COPYFILE_EXCL,
  COPYFILE_FICLONE,
  COPYFILE_FICLONE_FORCE,
});

/** The `constants` a facade offers (the subset of `fs.constants` its members accept). */
export interface FsConstants {
  /** `access` mode: the path exists. */
  readonly F_OK: number;
  /** `access` mode: readable (checked as existence, see the guide). */
  readonly R_OK: number;
  /** `access` mode: writable (checked as existence, see the guide). */
  readonly W_OK: number;
  /** `access` mode: executable (checked as existence, see the guide). */
  readonly X_OK: number;
  /** `copyFile` mode: fail if the destination exists. */
  readonly COPYFILE_EXCL: number;
  /** `copyFile` mode: accepted and ignored (always a plain copy). */
  readonly COPYFILE_FICLONE: number;
  /** `copyFile` mode: accepted and ignored (always a plain copy). */
  readonly COPYFILE_FICLONE_FORCE: number;
}

/** The type tests every `Stats`- and `Dirent`-like object answers. */
export interface FsTypeTests {
  /** A regular file. */
  isFile(): boolean;
  /** A directory. */
  isDirectory(): boolean;
  /** A symbolic link (only from `lstat` and `readdir`). */
  isSymbolicLink(): boolean;
  /** Always false: FIFOs are not shown as such. */
  isFIFO(): boolean;
  /** Always false. */
  isSocket(): boolean;
  /** Always false. */
  isBlockDevice(): boolean;
  /** Always false. */
  isCharacterDevice(): boolean;
}

/** What the facade's `stat`/`lstat` return: Node's `Stats` names, without inode, device, owner or access time. */
export interface FsStatsLike extends FsTypeTests {
  /** Size in bytes. */
  readonly size: number;
  /** Type bits and permission bits, as in Node. */
  readonly mode: number;
  /** Last content change (ms). */
  readonly mtimeMs: number;
  /** Last metadata change (ms). */
  readonly ctimeMs: number;
  /** Creation time (ms). */
  readonly birthtimeMs: number;
  /** `mtimeMs` as a fresh Date. */
  readonly mtime: Date;
  /** `ctimeMs` as a fresh Date. */
  readonly ctime: Date;
  /** `birthtimeMs` as a fresh Date. */
  readonly birthtime: Date;
}

/** What `readdir(path, { withFileTypes: true })` returns: Node's `Dirent` names. */
export interface FsDirentLike extends FsTypeTests {
  /** The entry's name. */
  readonly name: string;
  /** The virtual path of the directory holding it. */
  readonly parentPath: string;
  /** Same as `parentPath` (Node's older name). */
  readonly path: string;
}

const TYPE_BITS: Record<FsEntryType, number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  other: 0,
};

/** Why a `node:fs/promises` member is missing, and what to use instead. */
// The member names of the running Node's modules (names only, never their
// functions): whatever a Node release adds exists on the facades too, and
// throws FS_NOT_SUPPORTED rather than being silently absent.
const NODE_FS_PROMISES_MEMBERS = Object.keys(nodeFsPromises).filter((k) => k !== "default");
const NODE_FS_MEMBERS = Object.keys(nodeFs).filter((k) => k !== "default");

const UNSUPPORTED_PROMISES: Record<string, string> = {
  open: "raw file handles are not given to cells; use readFile/writeFile, or the directory capability's openRead/openWrite",
  opendir: "use readdir",
  readlink: "links are the host's; lstat shows that a path is a link",
  symlink: "a directory capability cannot create links",
  link: "a directory capability cannot create links",
  chmod: "permissions belong to the host",
  lchmod: "permissions belong to the host",
  chown: "owners belong to the host",
  lchown: "owners belong to the host",
  utimes: "timestamps are set by writes",
  lutimes: "timestamps are set by writes",
  statfs: "file-system details of the host are not shown to cells",
  watch: "watching is not offered; ask the host for a change feed",
  glob: "use readdir with { recursive: true } and match names yourself",
};

const UNSUPPORTED_SYNC_OR_CALLBACK_EXTRA: Record<string, string> = {
  createReadStream: "use the directory capability's openRead",
  createWriteStream: "use the directory capability's openWrite",
  openAsBlob: "use fs.promises.readFile",
  exists: "use fs.promises.access or stat",
  watchFile: "watching is not offered",
  unwatchFile: "watching is not offered",
  read: "file descriptors are not given to cells",
  readv: "file descriptors are not given to cells",
  write: "file descriptors are not given to cells",
  writev: "file descriptors are not given to cells",
  close: "file descriptors are not given to cells",
  fstat: "file descriptors are not given to cells",
  fsync: "file descriptors are not given to cells",
  fdatasync: "file descriptors are not given to cells",
  ftruncate: "file descriptors are not given to cells",
  fchmod: "file descriptors are not given to cells",
  fchown: "file descriptors are not given to cells",
  futimes: "file descriptors are not given to cells",
  Dirent:
    "classes are not given to cells; readdir with { withFileTypes: true } returns Dirent-like objects",
  Stats: "classes are not given to cells; stat returns Stats-like objects",
  Dir: "classes are not given to cells",
  ReadStream: "classes are not given to cells",
  WriteStream: "classes are not given to cells",
  FileReadStream: "classes are not given to cells",
  FileWriteStream: "classes are not given to cells",
};

const notSupported = (member: string, hint: string) =>
  fsError("FS_NOT_SUPPORTED", `${member} is not supported by this directory capability: ${hint}.`);

const readOpt = (options: unknown, key: string): unknown =>
  typeof options === "object" && options !== null
    ? (options as Record<string, unknown>)[key]
    : undefined;

const encodingOf = (options: unknown): unknown =>
  typeof options === "string" ? options : readOpt(options, "encoding");

const makeStats = (st: StatRecord): FsStatsLike => {
  const is = (t: FsEntryType) => () => st.type === t;
  const no = () => false;
  return harden({
    size: st.size,
    mode: TYPE_BITS[st.type] | st.mode,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    birthtimeMs: st.birthtimeMs,
    mtime: new Date(st.mtimeMs),
    ctime: new Date(st.ctimeMs),
    birthtime: new Date(st.birthtimeMs),
    isFile: is("file"),
    isDirectory: is("dir"),
    isSymbolicLink: is("symlink"),
    isFIFO: no,
    isSocket: no,
    isBlockDevice: no,
    isCharacterDevice: no,
  });
};

const makeDirent = (e: DirEntry, parentPath: string): FsDirentLike => {
  const is = (t: FsEntryType) => () => e.type === t;
  const no = () => false;
  return harden({
    name: e.name,
    parentPath,
    path: parentPath,
    isFile: is("file"),
    isDirectory: is("dir"),
    isSymbolicLink: is("symlink"),
    isFIFO: no,
    isSocket: no,
    isBlockDevice: no,
    isCharacterDevice: no,
  });
};

const MAX_RECURSIVE_ENTRIES = 100_000;

/**
 * A `node:fs/promises`-shaped object bound to a directory capability. Paths
 * are virtual (relative ones are relative to the capability's root, not to a
 * working directory) and must be strings.
 *
 * @example
 * ```ts
 * const fsp = makeFsPromisesFacade(makeDirCap("/srv/site/docs").readOnly());
 * const text = await fsp.readFile("/index.md", "utf8");
 * const entries = await fsp.readdir("/", { withFileTypes: true });
 * await fsp.chmod("/index.md", 0o600); // rejects: FS_NOT_SUPPORTED
 * ```
 */
export function makeFsPromisesFacade(dir: DirCap) {
  const readdirImpl = async (path: string, options?: unknown): Promise<readonly unknown[]> => {
    const withFileTypes = readOpt(options, "withFileTypes") === true;
    const recursive = readOpt(options, "recursive") === true;
    const start = parseVirtualPath(path, "readdir").segments;
    const out: unknown[] = [];
    const walk = async (segs: readonly string[]): Promise<void> => {
      const vpath = formatVirtualPath(segs);
      for (const e of await dir.readdir(vpath)) {
        if (out.length >= MAX_RECURSIVE_ENTRIES) {
          throw fsError(
            "FS_BAD_ARGUMENT",
            `readdir ${vpath}: more than ${MAX_RECURSIVE_ENTRIES} entries.`,
          );
        }
        const rel = [...segs.slice(start.length), e.name].join("/");
        out.push(withFileTypes ? makeDirent(e, vpath) : recursive ? rel : e.name);
        if (recursive && e.type === "dir") await walk([...segs, e.name]);
      }
    };
    await walk(start);
    return harden(out);
  };

  const writeImpl = async (
    path: string,
    data: string | Uint8Array,
    options: unknown,
    append: boolean,
  ) => {
    const encoding = encodingOf(options);
    if (
      encoding !== undefined &&
      encoding !== null &&
      encoding !== "utf8" &&
      encoding !== "utf-8"
    ) {
      throw fsError("FS_BAD_ARGUMENT", `writeFile: the only supported encoding is "utf8".`);
    }
    const flag = readOpt(options, "flag");
    const mode = flag === undefined ? (append ? "a" : "w") : flag;
    if (mode === "w") return dir.writeFile(path, data);
    if (mode === "a") return dir.appendFile(path, data);
    // Never String(mode): a cell's object must not run code here.
    const shown =
      typeof mode === "string" && mode.length <= 8 ? JSON.stringify(mode) : "of that kind";
    throw notSupported(`writeFile with flag ${shown}`, 'only "w" and "a" are');
  };

  const copyTree = async (from: string, to: string, recursive: boolean): Promise<void> => {
    const st = await dir.lstat(from);
    if (st.type === "file") return dir.copy(from, to);
    if (st.type !== "dir")
      throw notSupported(`cp of ${from}`, "only files and directories are copied");
    if (!recursive)
      throw fsError("EISDIR", `EISDIR: is a directory, cp ${from} (pass { recursive: true })`);
    await dir.mkdir(to, { recursive: true });
    for (const e of await dir.readdir(from)) {
      await copyTree(`${from}/${e.name}`, `${to}/${e.name}`, true);
    }
  };

  const members: Record<string, unknown> = {
    constants,
    async readFile(path: string, options?: unknown) {
      const flag = readOpt(options, "flag");
      if (flag !== undefined && flag !== "r")
        throw notSupported("readFile with a flag", 'only "r" is');
      const encoding = encodingOf(options);
      return encoding === undefined || encoding === null
        ? dir.readFile(path)
        : dir.readFile(path, { encoding: encoding as "utf8" });
    },
    writeFile: (path: string, data: string | Uint8Array, options?: unknown) =>
      writeImpl(path, data, options, false),
    appendFile: (path: string, data: string | Uint8Array, options?: unknown) =>
      writeImpl(path, data, options, true),
    readdir: readdirImpl,
    async stat(path: string, options?: unknown) {
      if (readOpt(options, "bigint") === true)
        throw notSupported("stat with { bigint: true }", "sizes are numbers");
      return makeStats(await dir.stat(path));
    },
    async lstat(path: string, options?: unknown) {
      if (readOpt(options, "bigint") === true)
        throw notSupported("lstat with { bigint: true }", "sizes are numbers");
      return makeStats(await dir.lstat(path));
    },
    async mkdir(path: string, options?: unknown) {
      // `mode` is accepted and ignored: permissions belong to the host.
      const recursive = typeof options === "object" && readOpt(options, "recursive") === true;
      await dir.mkdir(path, { recursive });
      return undefined;
    },
    async rm(path: string, options?: unknown) {
      const recursive = readOpt(options, "recursive") === true;
      const force = readOpt(options, "force") === true;
      if (!recursive) {
        const st = await dir.lstat(path).catch((e: { code?: string }) => {
          if (force && e.code === "ENOENT") return undefined;
          throw e;
        });
        if (st === undefined) return;
        if (st.type === "dir")
          throw fsError("EISDIR", `EISDIR: is a directory, rm ${path} (pass { recursive: true })`);
      }
      await dir.rm(path, { recursive, force });
    },
    async rmdir(path: string, options?: unknown) {
      if (readOpt(options, "recursive") === true)
        throw notSupported("rmdir with { recursive: true }", "use rm");
      const st = await dir.lstat(path);
      if (st.type !== "dir") throw fsError("ENOTDIR", `ENOTDIR: not a directory, rmdir ${path}`);
      await dir.rm(path);
    },
    async unlink(path: string) {
      const st = await dir.lstat(path);
      if (st.type === "dir") throw fsError("EISDIR", `EISDIR: is a directory, unlink ${path}`);
      await dir.rm(path);
    },
    rename: (from: string, to: string) => dir.rename(from, to),
    async copyFile(from: string, to: string, mode?: unknown) {
      if (typeof mode === "number" && (mode & COPYFILE_EXCL) !== 0) {
        const exists = await dir.lstat(to).then(
          () => true,
          (e: { code?: string }) => {
            if (e.code === "ENOENT") return false;
            throw e;
          },
        );
        if (exists) throw fsError("EEXIST", `EEXIST: already exists, copyFile ${to}`);
      }
      await dir.copy(from, to);
    },
    async cp(from: string, to: string, options?: unknown) {
      const src = parseVirtualPath(from, "cp").segments;
      const dest = parseVirtualPath(to, "cp").segments;
      // A copy into its own subtree would never end (Node refuses it too).
      if (dest.length >= src.length && src.every((s, i) => dest[i] === s)) {
        throw fsError(
          "FS_BAD_ARGUMENT",
          `cp ${formatVirtualPath(src)}: cannot copy a directory into itself.`,
        );
      }
      await copyTree(
        formatVirtualPath(src),
        formatVirtualPath(dest),
        readOpt(options, "recursive") === true,
      );
    },
    async access(path: string) {
      // Existence only: whether a later write is allowed depends on the capability (see the guide).
      await dir.stat(path);
    },
    async truncate(path: string, len?: unknown) {
      const n = len === undefined ? 0 : len;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw fsError("FS_BAD_ARGUMENT", "truncate: len must be a non-negative integer.");
      }
      if (n === 0) return dir.writeFile(path, new Uint8Array(0));
      const old = await dir.readFile(path);
      const next = new Uint8Array(n);
      next.set(old.subarray(0, n));
      return dir.writeFile(path, next);
    },
    async realpath(path: string) {
      // Resolves ".", ".." and checks existence; links are followed but not reported.
      await dir.stat(path);
      return parseVirtualPath(path, "realpath").path;
    },
    async mkdtemp(prefix: string) {
      if (typeof prefix !== "string")
        throw fsError("FS_BAD_ARGUMENT", "mkdtemp: prefix must be a string.");
      for (let attempt = 0; attempt < 20; attempt++) {
        const path = `${prefix}${Math.random().toString(36).slice(2, 8).padEnd(6, "0")}`;
        try {
          await dir.mkdir(path);
          return parseVirtualPath(path, "mkdtemp").path;
        } catch (e) {
          if ((e as { code?: string }).code !== "EEXIST") throw e;
        }
      }
      throw fsError("EEXIST", `EEXIST: already exists, mkdtemp ${prefix}XXXXXX`);
    },
  };
  for (const [name, hint] of Object.entries(UNSUPPORTED_PROMISES)) {
    members[name] = async () => {
      throw notSupported(`fs.promises.${name}`, hint);
    };
  }
  for (const name of NODE_FS_PROMISES_MEMBERS) {
    (members as Record<string, unknown>)[name] ??= async () => {
      throw notSupported(`fs.promises.${name}`, "a directory capability does not offer it");
    };
  }
  return harden(members) as FsPromisesFacade;
}

/** The shape returned by {@link makeFsPromisesFacade}: Node's names, narrower powers. */
export interface FsPromisesFacade {
  /** Mode constants for `access` and `copyFile`. */
  readonly constants: FsConstants;
  /** Bytes, or text with `"utf8"` / `{ encoding: "utf8" }`. */
  readFile(path: string, options?: unknown): Promise<Uint8Array | string>;
  /** Create or replace a file (`{ flag: "a" }` appends). */
  writeFile(path: string, data: string | Uint8Array, options?: unknown): Promise<void>;
  /** Append to a file, creating it if needed. */
  appendFile(path: string, data: string | Uint8Array, options?: unknown): Promise<void>;
  /** Names, or `FsDirentLike` objects with `{ withFileTypes: true }`; `{ recursive: true }` walks the tree. */
  readdir(path: string, options?: unknown): Promise<readonly unknown[]>;
  /** Metadata, following links inside the grant. */
  stat(path: string, options?: unknown): Promise<FsStatsLike>;
  /** Metadata of the entry itself. */
  lstat(path: string, options?: unknown): Promise<FsStatsLike>;
  /** Create a directory (`{ recursive: true }` for parents); `mode` is ignored. */
  mkdir(path: string, options?: unknown): Promise<undefined>;
  /** Remove a file, or a tree with `{ recursive: true }`. */
  rm(path: string, options?: unknown): Promise<void>;
  /** Remove an empty directory. */
  rmdir(path: string, options?: unknown): Promise<void>;
  /** Remove a file or link. */
  unlink(path: string): Promise<void>;
  /** Move inside the grant. */
  rename(from: string, to: string): Promise<void>;
  /** Copy a file (`COPYFILE_EXCL` refuses an existing destination). */
  copyFile(from: string, to: string, mode?: number): Promise<void>;
  /** Copy a file, or a tree with `{ recursive: true }`. */
  cp(from: string, to: string, options?: unknown): Promise<void>;
  /** Resolve if the path exists (the mode is not checked, see the guide). */
  access(path: string, mode?: number): Promise<void>;
  /** Cut or extend a file to `len` bytes. */
  truncate(path: string, len?: number): Promise<void>;
  /** The canonical virtual path, after checking it exists. */
  realpath(path: string): Promise<string>;
  /** Create a new directory named `prefix` plus six random characters. */
  mkdtemp(prefix: string): Promise<string>;
  /** Members Node has that a capability does not offer; each rejects with `FS_NOT_SUPPORTED`. */
  readonly [unsupported: string]: unknown;
}

/**
 * A `node:fs`-shaped object bound to a directory capability: `promises` (the
 * facade above) and `constants` work; every synchronous and callback member
 * of `node:fs` exists and throws `FS_NOT_SUPPORTED`, naming the
 * `fs.promises` member to use instead.
 *
 * @example
 * ```ts
 * const fs = makeFsFacade(makeDirCap("/srv/site/docs"));
 * await fs.promises.readFile("/index.md", "utf8");
 * fs.readFileSync("/index.md"); // throws FS_NOT_SUPPORTED: use fs.promises.readFile
 * ```
 */
export function makeFsFacade(dir: DirCap) {
  const promises = makeFsPromisesFacade(dir);
  const members: Record<string, unknown> = { promises, constants, F_OK, R_OK, W_OK, X_OK };
  const promiseNames = Object.keys(promises).filter((k) => k !== "constants");
  for (const name of [...promiseNames, "opendir", "exists", "mkdtemp"]) {
    const hint =
      UNSUPPORTED_PROMISES[name] ??
      UNSUPPORTED_SYNC_OR_CALLBACK_EXTRA[name] ??
      `use await fs.promises.${name}(...)`;
    members[name] = () => {
      throw notSupported(`fs.${name} (callback form)`, hint);
    };
    members[`${name}Sync`] = () => {
      throw notSupported(`fs.${name}Sync`, hint);
    };
  }
  for (const [name, hint] of Object.entries(UNSUPPORTED_SYNC_OR_CALLBACK_EXTRA)) {
    members[name] ??= () => {
      throw notSupported(`fs.${name}`, hint);
    };
    if (name === "exists") continue;
    if (/^[a-z]/.test(name)) {
      members[`${name}Sync`] ??= () => {
        throw notSupported(`fs.${name}Sync`, hint);
      };
    }
  }
  for (const name of NODE_FS_MEMBERS) {
    members[name] ??= () => {
      throw notSupported(
        `fs.${name}`,
        "use fs.promises; a directory capability offers only its members",
      );
    };
  }
  return harden(members) as FsFacade;
}

/** The shape returned by {@link makeFsFacade}. */
export interface FsFacade {
  /** The `node:fs/promises`-shaped facade: use this. */
  readonly promises: FsPromisesFacade;
  /** Mode constants, as `fs.constants`. */
  readonly constants: FsConstants;
  /** Every synchronous and callback member of `node:fs`; each throws `FS_NOT_SUPPORTED`. */
  readonly [member: string]: unknown;
}
