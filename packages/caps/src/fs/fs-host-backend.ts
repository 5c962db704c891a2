/**
 * The disk backend of `makeDirCap`: the only file in Padded Cell that passes
 * host paths to `node:fs`, and the place where symbolic links are contained.
 *
 * Invariants:
 * 1. `resolve` follows links with `realpath` and reports a path outside the
 *    real root as `undefined`, so a link never leads a cell outside its grant
 *    (absolute or relative targets, chains; loops fail with `ELOOP`).
 * 2. Between `resolve` and the operation a link may be swapped in. So files
 *    are opened with `O_NOFOLLOW`, and the opened descriptor is then checked:
 *    on Linux `readlink("/proc/self/fd/N")` must equal the resolved host path
 *    (elsewhere, `fstat` device+inode must equal `lstat` of that path).
 *    A mismatch closes the descriptor unread and fails with `FS_PATH_CHANGED`.
 *    (Closes the class "symlink swapped between check and open".)
 * 3. Everything that creates, removes or renames an entry goes through a
 *    directory descriptor that was opened and checked as in 2 and named as
 *    `/proc/self/fd/N/leaf` (an `openat` for Node), with `O_NOFOLLOW` on the
 *    leaf, so a swapped parent cannot redirect a create, and a file is never
 *    truncated before it is known to be the right one. Recursive removal opens
 *    each directory the same way and never follows a link.
 * 4. Only regular files are read or written (`FS_SPECIAL_FILE` otherwise);
 *    reads open with `O_NONBLOCK` and `O_NOCTTY` so a FIFO cannot hang the
 *    host and a terminal cannot become its controlling one.
 * 5. The `readFile` fast path skips `realpath` only for directories a checked
 *    resolution found free of links, and still verifies the descriptor as in
 *    2, so a stale cache entry costs a fallback to the checked path, never
 *    containment. Any failure falls back, so errors (and what they reveal)
 *    are the checked path's.
 *
 * It does not check policy (the capability layer does) and cannot create
 * links. Without `/proc/self/fd` (macOS, BSD) invariant 3 degrades to checked
 * paths: a parent swapped by a concurrent host process between the check and
 * the call can redirect a create, remove or rename; see the guide.
 */
import {
  constants,
  existsSync,
  fstatSync,
  promises as fsp,
  readlinkSync,
  type Stats,
} from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { resolve as resolveHostPath } from "node:path";
import type { BackendReader, BackendWriter, FsBackend, Freed, Segments } from "./fs-backend.js";
import { codedFailure } from "./fs-failure.js";
import type { DirEntry, FsEntryType, StatRecord } from "./fs-types.js";

const { O_RDONLY, O_WRONLY, O_CREAT, O_APPEND, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK, O_NOCTTY } =
  constants;
// Probed once; a process without file access (a process cell under Node's
// permission model, which loads this package for its facades) has none.
const PROC_FD: string | undefined = (() => {
  try {
    return existsSync("/proc/self/fd") ? "/proc/self/fd" : undefined;
  } catch {
    return undefined;
  }
})();
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const LINK_FREE_CACHE_LIMIT = 1024;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

const codeOf = (e: unknown): unknown =>
  typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;

/** A link where a resolved path had none means the path changed under us (invariant 2). */
const changedIfLoop = (e: unknown): unknown =>
  codeOf(e) === "ELOOP" ? codedFailure("FS_PATH_CHANGED") : e;

const typeOf = (st: Stats): FsEntryType =>
  st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";

const statRecord = (st: Stats): StatRecord =>
  harden({
    type: typeOf(st),
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    birthtimeMs: st.birthtimeMs,
    mode: st.mode & 0o7777,
  });

const direntType = (d: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): FsEntryType =>
  d.isFile() ? "file" : d.isDirectory() ? "dir" : d.isSymbolicLink() ? "symlink" : "other";

/** Invariant 2: is the open descriptor the entry at `expected`? */
const verifyHandle = async (handle: FileHandle, expected: string): Promise<boolean> => {
  if (PROC_FD !== undefined) {
    // A readlink of /proc/self/fd/N is answered from kernel memory; no disk I/O.
    return readlinkSync(`${PROC_FD}/${handle.fd}`) === expected;
  }
  const [opened, there] = await Promise.all([handle.stat(), fsp.lstat(expected)]);
  return opened.dev === there.dev && opened.ino === there.ino;
};

const openVerified = async (path: string, flags: number): Promise<FileHandle> => {
  let handle: FileHandle;
  try {
    handle = await fsp.open(path, flags);
  } catch (e) {
    throw changedIfLoop(e);
  }
  let ok = false;
  try {
    ok = await verifyHandle(handle, path);
  } finally {
    if (!ok) await handle.close();
  }
  if (!ok) throw codedFailure("FS_PATH_CHANGED");
  return handle;
};

const openRegularForRead = async (path: string): Promise<{ handle: FileHandle; size: number }> => {
  const handle = await openVerified(path, READ_FLAGS);
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw codedFailure("EISDIR");
    if (!st.isFile()) throw codedFailure("FS_SPECIAL_FILE");
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
};

const readAll = async (handle: FileHandle, size: number): Promise<Uint8Array> => {
  if (size > 0) {
    const buf = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await handle.read(buf, off, size - off, off);
      if (bytesRead === 0) return buf.slice(0, off);
      off += bytesRead;
    }
    return buf;
  }
  // Size 0 may still have content (generated files): read to the end.
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

/**
 * Make a backend over a host directory. `hostRoot` is resolved (and its
 * links followed) on first use.
 *
 * @example
 * ```ts
 * const backend = makeHostBackend("/srv/site/docs");
 * await backend.readFile(["index.md"]);
 * ```
 */
export function makeHostBackend(hostRoot: string): FsBackend {
  const absoluteRoot = resolveHostPath(hostRoot);
  let rootPromise: Promise<string> | undefined;
  const realRoot = (): Promise<string> => (rootPromise ??= fsp.realpath(absoluteRoot));
  let knownRoot: string | undefined;
  // Host directories a checked resolution found free of links (invariant 5).
  const linkFreeDirs = new Set<string>();
  const rememberLinkFree = (dir: string): void => {
    if (linkFreeDirs.size >= LINK_FREE_CACHE_LIMIT) linkFreeDirs.clear();
    linkFreeDirs.add(dir);
  };

  const hostPath = (root: string, segs: Segments): string =>
    segs.length === 0 ? root : `${root === "/" ? "" : root}/${segs.join("/")}`;

  const toSegments = (root: string, real: string): Segments | undefined => {
    if (real === root) return [];
    const prefix = root === "/" ? "/" : `${root}/`;
    return real.startsWith(prefix) ? real.slice(prefix.length).split("/") : undefined;
  };

  /** Invariant 3: run `f` with a name for the checked directory `segs`. */
  const withDir = async <T>(segs: Segments, f: (dir: string) => Promise<T>): Promise<T> => {
    const path = hostPath(await realRoot(), segs);
    const handle = await openVerified(path, DIR_FLAGS);
    try {
      return await f(PROC_FD !== undefined ? `${PROC_FD}/${handle.fd}` : path);
    } finally {
      await handle.close();
    }
  };

  const splitLeaf = (segs: Segments): [Segments, string] => {
    const leaf = segs[segs.length - 1];
    if (leaf === undefined) throw codedFailure("EISDIR");
    return [segs.slice(0, -1), leaf];
  };

  const rmTree = async (path: string): Promise<Freed> => {
    let bytes = 0;
    let files = 0;
    // With /proc, `path` is "/proc/self/fd/N/leaf": opening it is an openat on a
    // checked directory, and O_NOFOLLOW refuses a leaf swapped for a link.
    const handle =
      PROC_FD !== undefined
        ? await fsp.open(path, DIR_FLAGS).catch((e: unknown) => {
            throw changedIfLoop(e);
          })
        : await openVerified(path, DIR_FLAGS);
    try {
      const dir = PROC_FD !== undefined ? `${PROC_FD}/${handle.fd}` : path;
      for (const name of await fsp.readdir(dir)) {
        const child = `${dir}/${name}`;
        const st = await fsp.lstat(child);
        if (st.isDirectory()) {
          const freed = await rmTree(child);
          bytes += freed.bytes;
          files += freed.files;
        } else {
          await fsp.unlink(child);
          bytes += st.size;
          files += 1;
        }
      }
    } finally {
      await handle.close();
    }
    await fsp.rmdir(path);
    return { bytes, files: files + 1 };
  };

  return harden({
    async resolve(segs: Segments, followLeaf: boolean) {
      const root = await realRoot();
      knownRoot = root;
      if (segs.length === 0) return [];
      if (followLeaf) {
        try {
          const lexical = hostPath(root, segs);
          const real = await fsp.realpath(lexical);
          if (real === lexical && PROC_FD !== undefined)
            rememberLinkFree(hostPath(root, segs.slice(0, -1)));
          return toSegments(root, real);
        } catch (e) {
          if (codeOf(e) !== "ENOENT") throw e;
        }
        // A dangling link is not followed to create its target: it is missing.
        const st = await fsp.lstat(hostPath(root, segs)).catch(() => undefined);
        if (st?.isSymbolicLink()) throw codedFailure("ENOENT");
      }
      const [parent, leaf] = splitLeaf(segs);
      const realParent = toSegments(root, await fsp.realpath(hostPath(root, parent)));
      return realParent === undefined ? undefined : [...realParent, leaf];
    },

    async lstat(segs: Segments) {
      try {
        if (segs.length === 0) return statRecord(await fsp.lstat(await realRoot()));
        const [parent, leaf] = splitLeaf(segs);
        return statRecord(await withDir(parent, (dir) => fsp.lstat(`${dir}/${leaf}`)));
      } catch (e) {
        if (codeOf(e) === "ENOENT") return undefined;
        throw e;
      }
    },

    async readdir(segs: Segments): Promise<DirEntry[]> {
      return withDir(segs, async (dir) =>
        (await fsp.readdir(dir, { withFileTypes: true })).map((d) => ({
          name: d.name,
          type: direntType(d),
        })),
      );
    },

    async readFile(segs: Segments) {
      const { handle, size } = await openRegularForRead(hostPath(await realRoot(), segs));
      try {
        return await readAll(handle, size);
      } finally {
        await handle.close();
      }
    },

    async readFileIfLinkFree(segs: Segments) {
      if (knownRoot === undefined || PROC_FD === undefined || segs.length === 0) return undefined;
      const path = hostPath(knownRoot, segs);
      if (!linkFreeDirs.has(hostPath(knownRoot, segs.slice(0, -1)))) return undefined;
      let handle: FileHandle;
      try {
        handle = await fsp.open(path, READ_FLAGS);
      } catch {
        return undefined;
      }
      try {
        if (readlinkSync(`${PROC_FD}/${handle.fd}`) !== path) {
          linkFreeDirs.delete(hostPath(knownRoot, segs.slice(0, -1)));
          return undefined;
        }
        // fstat of a descriptor just opened is answered from the in-memory inode.
        const st = fstatSync(handle.fd);
        if (!st.isFile()) return undefined;
        return await readAll(handle, st.size);
      } catch {
        return undefined;
      } finally {
        await handle.close();
      }
    },

    async openRead(segs: Segments): Promise<BackendReader> {
      const { handle, size } = await openRegularForRead(hostPath(await realRoot(), segs));
      return {
        size,
        async read(max: number) {
          const buf = new Uint8Array(max);
          const { bytesRead } = await handle.read(buf, 0, max, null);
          return bytesRead === max ? buf : buf.slice(0, bytesRead);
        },
        close: () => handle.close(),
      };
    },

    async openWrite(segs: Segments, append: boolean): Promise<BackendWriter> {
      const [parent, leaf] = splitLeaf(segs);
      const flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | (append ? O_APPEND : 0);
      const handle = await withDir(parent, (dir) => fsp.open(`${dir}/${leaf}`, flags, 0o666)).catch(
        (e: unknown) => {
          throw codeOf(e) === "ENXIO" ? codedFailure("FS_SPECIAL_FILE") : changedIfLoop(e);
        },
      );
      try {
        const st = await handle.stat();
        if (!st.isFile()) throw codedFailure("FS_SPECIAL_FILE");
        // Truncate only now that the descriptor is known to be the entry (invariant 3).
        if (!append) await handle.truncate(0);
      } catch (e) {
        await handle.close();
        throw e;
      }
      return {
        async write(bytes: Uint8Array) {
          let off = 0;
          while (off < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, off, bytes.length - off, null);
            off += bytesWritten;
          }
        },
        close: () => handle.close(),
      };
    },

    async mkdir(segs: Segments) {
      const [parent, leaf] = splitLeaf(segs);
      await withDir(parent, (dir) => fsp.mkdir(`${dir}/${leaf}`, 0o777));
    },

    async rm(segs: Segments, recursive: boolean): Promise<Freed> {
      const [parent, leaf] = splitLeaf(segs);
      return withDir(parent, async (dir) => {
        const path = `${dir}/${leaf}`;
        const st = await fsp.lstat(path);
        if (st.isDirectory()) {
          if (recursive) return rmTree(path);
          await fsp.rmdir(path);
          return { bytes: 0, files: 1 };
        }
        await fsp.unlink(path);
        return { bytes: st.size, files: 1 };
      });
    },

    async rename(from: Segments, to: Segments) {
      const [fromParent, fromLeaf] = splitLeaf(from);
      const [toParent, toLeaf] = splitLeaf(to);
      await withDir(fromParent, (a) =>
        withDir(toParent, (b) => fsp.rename(`${a}/${fromLeaf}`, `${b}/${toLeaf}`)),
      );
    },
  });
}
