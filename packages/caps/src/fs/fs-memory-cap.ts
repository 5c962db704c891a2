/**
 * `makeMemoryDirCap`: an in-memory scratch directory with the same `DirCap`
 * interface (and the same policy layer) as a host directory capability.
 *
 * Invariants:
 * 1. Nothing is stored outside the JavaScript heap: no host path exists, so
 *    none can leak, and there are no links to follow.
 * 2. It always has a quota (64 MiB and 10,000 entries unless the host gives
 *    another), so a cell cannot grow host memory without bound through it.
 * 3. Bytes are copied in and copied out: a cell never holds a view of the
 *    stored buffer.
 *
 * It does not persist anything and is not shared between capabilities unless
 * the host passes the same capability (or attenuations of it) around.
 */
import { hardenExport } from "@padded-cell/membrane";
import type { BackendReader, BackendWriter, FsBackend, Freed, Segments } from "./fs-backend.js";
import { makeCapFromPolicy } from "./fs-cap-core.js";
import { fsError } from "./fs-error-codes.js";
import { codedFailure } from "./fs-failure.js";
import { makeQuotaCounter } from "./fs-quota.js";
import type { DirCap, DirEntry, FsQuota, StatRecord } from "./fs-types.js";
import type { ResourceScope } from "../resource-scope.js";
import { parseVirtualPath } from "./virtual-path.js";

interface Times {
  mtimeMs: number;
  ctimeMs: number;
  readonly birthtimeMs: number;
}
interface FileNode extends Times {
  readonly kind: "file";
  buf: Uint8Array;
  length: number;
}
interface DirNode extends Times {
  readonly kind: "dir";
  readonly entries: Map<string, MemNode>;
}
type MemNode = FileNode | DirNode;

const DEFAULT_QUOTA: FsQuota = hardenExport({ bytes: 64 * 1024 * 1024, files: 10_000 });
const textEncoder = new TextEncoder();
const now = (): number => Date.now();

const newTimes = (): Times => {
  const t = now();
  return { mtimeMs: t, ctimeMs: t, birthtimeMs: t };
};
const newDir = (): DirNode => ({ kind: "dir", entries: new Map(), ...newTimes() });
const newFile = (): FileNode => ({
  kind: "file",
  buf: new Uint8Array(0),
  length: 0,
  ...newTimes(),
});
const touch = (n: Times): void => {
  n.mtimeMs = now();
  n.ctimeMs = n.mtimeMs;
};

const appendBytes = (f: FileNode, bytes: Uint8Array): void => {
  const need = f.length + bytes.length;
  if (need > f.buf.length) {
    const grown = new Uint8Array(Math.max(need, f.buf.length * 2, 64));
    grown.set(f.buf.subarray(0, f.length));
    f.buf = grown;
  }
  f.buf.set(bytes, f.length);
  f.length = need;
  touch(f);
};

const sizeOf = (n: MemNode): Freed => {
  if (n.kind === "file") return { bytes: n.length, files: 1 };
  let bytes = 0;
  let files = 1;
  for (const child of n.entries.values()) {
    const s = sizeOf(child);
    bytes += s.bytes;
    files += s.files;
  }
  return { bytes, files };
};

const makeMemoryBackend = (): { backend: FsBackend; rootDir: DirNode } => {
  const rootDir = newDir();

  /** The directory holding `segs`' leaf; ENOENT/ENOTDIR as the OS would say. */
  const parentOf = (segs: Segments): [DirNode, string] => {
    let dir: DirNode = rootDir;
    for (let i = 0; i < segs.length - 1; i++) {
      const next = dir.entries.get(segs[i] as string);
      if (next === undefined) throw codedFailure("ENOENT");
      if (next.kind !== "dir") throw codedFailure("ENOTDIR");
      dir = next;
    }
    const leaf = segs[segs.length - 1];
    if (leaf === undefined) throw codedFailure("EISDIR");
    return [dir, leaf];
  };

  const nodeAt = (segs: Segments): MemNode | undefined => {
    if (segs.length === 0) return rootDir;
    const [dir, leaf] = parentOf(segs);
    return dir.entries.get(leaf);
  };

  const existing = (segs: Segments): MemNode => {
    const n = nodeAt(segs);
    if (n === undefined) throw codedFailure("ENOENT");
    return n;
  };

  const fileAt = (segs: Segments): FileNode => {
    const n = existing(segs);
    if (n.kind === "dir") throw codedFailure("EISDIR");
    return n;
  };

  const contains = (outer: Segments, inner: Segments): boolean =>
    inner.length > outer.length && outer.every((s, i) => inner[i] === s);

  const backend: FsBackend = {
    async resolve(segs: Segments) {
      if (segs.length > 0) parentOf(segs);
      return segs;
    },
    async lstat(segs: Segments): Promise<StatRecord | undefined> {
      const n = nodeAt(segs);
      if (n === undefined) return undefined;
      return harden({
        type: n.kind,
        size: n.kind === "file" ? n.length : 0,
        mtimeMs: n.mtimeMs,
        ctimeMs: n.ctimeMs,
        birthtimeMs: n.birthtimeMs,
        mode: n.kind === "file" ? 0o644 : 0o755,
      });
    },
    async readdir(segs: Segments): Promise<DirEntry[]> {
      const n = existing(segs);
      if (n.kind !== "dir") throw codedFailure("ENOTDIR");
      return [...n.entries].map(([name, child]) => ({ name, type: child.kind }));
    },
    async readFile(segs: Segments) {
      const f = fileAt(segs);
      return f.buf.slice(0, f.length);
    },
    async openRead(segs: Segments): Promise<BackendReader> {
      const f = fileAt(segs);
      let pos = 0;
      return {
        size: f.length,
        async read(max: number) {
          const chunk = f.buf.slice(pos, Math.min(f.length, pos + max));
          pos += chunk.length;
          return chunk;
        },
        async close() {},
      };
    },
    async openWrite(segs: Segments, append: boolean): Promise<BackendWriter> {
      const [dir, leaf] = parentOf(segs);
      let f = dir.entries.get(leaf);
      if (f?.kind === "dir") throw codedFailure("EISDIR");
      if (f === undefined) {
        f = newFile();
        dir.entries.set(leaf, f);
        touch(dir);
      } else if (!append) {
        f.buf = new Uint8Array(0);
        f.length = 0;
        touch(f);
      }
      const file = f;
      return {
        async write(bytes: Uint8Array) {
          appendBytes(file, bytes);
        },
        async close() {},
      };
    },
    async mkdir(segs: Segments) {
      const [dir, leaf] = parentOf(segs);
      if (dir.entries.has(leaf)) throw codedFailure("EEXIST");
      dir.entries.set(leaf, newDir());
      touch(dir);
    },
    async rm(segs: Segments, recursive: boolean) {
      const [dir, leaf] = parentOf(segs);
      const n = dir.entries.get(leaf);
      if (n === undefined) throw codedFailure("ENOENT");
      if (n.kind === "dir" && n.entries.size > 0 && !recursive) throw codedFailure("ENOTEMPTY");
      dir.entries.delete(leaf);
      touch(dir);
      return sizeOf(n);
    },
    async rename(from: Segments, to: Segments) {
      const [fromDir, fromLeaf] = parentOf(from);
      const [toDir, toLeaf] = parentOf(to);
      const n = fromDir.entries.get(fromLeaf);
      if (n === undefined) throw codedFailure("ENOENT");
      if (fromDir === toDir && fromLeaf === toLeaf) return;
      if (n.kind === "dir" && contains(from, to)) throw codedFailure("EINVAL");
      const target = toDir.entries.get(toLeaf);
      if (target !== undefined) {
        if (n.kind === "file" && target.kind === "dir") throw codedFailure("EISDIR");
        if (n.kind === "dir" && target.kind === "file") throw codedFailure("ENOTDIR");
        if (target.kind === "dir" && target.entries.size > 0) throw codedFailure("ENOTEMPTY");
      }
      fromDir.entries.delete(fromLeaf);
      toDir.entries.set(toLeaf, n);
      touch(fromDir);
      touch(toDir);
    },
  };
  return { backend: harden(backend), rootDir };
};

/** Options of {@link makeMemoryDirCap}. */
export interface MemoryDirCapOptions {
  /** Initial files, by virtual path (parents are created); not charged to the quota. */
  readonly seed?: Readonly<Record<string, string | Uint8Array>>;
  /** Net growth allowed through the capability (default 64 MiB and 10,000 entries). */
  readonly quota?: FsQuota;
  /** Streams and write handles register here. */
  readonly scope?: ResourceScope;
  /** A name for the grant, shown in denials ("docs"); must not be a host path. */
  readonly name?: string;
}

/**
 * Make an in-memory scratch directory.
 *
 * @example
 * ```ts
 * const scratch = makeMemoryDirCap({ seed: { "/config.json": "{}" }, quota: { bytes: 1 << 20, files: 100 } });
 * await scratch.mkdir("/out");
 * await scratch.writeFile("/out/report.txt", "done");
 * ```
 */
export function makeMemoryDirCap(options?: MemoryDirCapOptions): DirCap {
  const { backend, rootDir } = makeMemoryBackend();
  const seed = options?.seed ?? {};
  for (const [path, content] of Object.entries(seed)) {
    const segs = parseVirtualPath(path, "makeMemoryDirCap seed").segments;
    let dir = rootDir;
    for (const name of segs.slice(0, -1)) {
      let next = dir.entries.get(name);
      if (next === undefined) dir.entries.set(name, (next = newDir()));
      if (next.kind !== "dir")
        throw fsError("FS_BAD_ARGUMENT", `makeMemoryDirCap: seed ${path} is under a file.`);
      dir = next;
    }
    const leaf = segs[segs.length - 1];
    if (leaf === undefined)
      throw fsError("FS_BAD_ARGUMENT", "makeMemoryDirCap: seed paths must name files.");
    const file = newFile();
    appendBytes(
      file,
      typeof content === "string" ? textEncoder.encode(content) : new Uint8Array(content),
    );
    dir.entries.set(leaf, file);
  }
  return makeCapFromPolicy({
    backend,
    root: harden([]),
    readOnly: false,
    quotas: [makeQuotaCounter(options?.quota ?? DEFAULT_QUOTA)],
    filters: [],
    scope: options?.scope,
    name: options?.name,
  });
}
