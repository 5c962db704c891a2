/**
 * The policy layer of every directory capability: parses paths, applies the
 * attenuations (sub-root, read-only, quotas, glob filters) and turns backend
 * failures into `CellError`s with virtual paths. Both `makeDirCap` (host disk)
 * and `makeMemoryDirCap` are this layer over a different `FsBackend`.
 *
 * Invariants:
 * 1. Every path goes through `parseVirtualPath` first (strings only, no `..`
 *    above the root), and every resolved path (after symbolic links) must lie
 *    under the capability's root, else `FS_OUTSIDE_ROOT`. A path that enters
 *    a link is checked twice: as spelled, and where it really leads.
 * 2. Attenuation only narrows: `sub`, `readOnly`, `withQuota` and `filter`
 *    return a capability whose policy is this one's plus a restriction; none
 *    removes one. `sub("..")` fails with `FS_WIDEN_DENIED`.
 * 3. A read-only capability refuses every change before any I/O.
 * 4. A filtered capability never reads, writes, lists, stats, renames, copies
 *    or removes a path outside its globs, as spelled or as resolved, and
 *    refuses operations on whole directories that could touch unseen entries
 *    (recursive `rm`, renaming a directory).
 * 5. Errors name only virtual paths relative to this capability's root.
 * 6. Data from the cell is copied before use (strings encoded, bytes copied
 *    from a genuine Uint8Array found through a captured intrinsic), so no cell
 *    code runs and nothing changes between a quota check and the write.
 * 7. Streams and handles are registered with the resource scope, and every
 *    operation checks the scope is open first.
 * 8. Every operation with an effect (write, append, mkdir, rm, rename, copy,
 *    openWrite, a handle's write and close) runs as an operation of the
 *    scope (closes "revocation leaves work in flight" for files): once it
 *    started it completes, its caller gets its real outcome, and the scope's
 *    `close` waits for it; one that had not started when the scope closed
 *    is refused with `REVOKED` before touching the disk. So when revocation
 *    resolves, nothing more lands.
 *
 * It does not touch the disk (see `fs-host-backend.ts`) and does not wrap
 * results in a membrane (the host does).
 */
import { fsError } from "./fs-error-codes.js";
import { toCellError } from "./fs-failure.js";
import type { GlobFilter } from "./fs-glob-filter.js";
import { makeGlobFilter } from "./fs-glob-filter.js";
import type { FsBackend, Segments } from "./fs-backend.js";
import { chargeQuotas, makeQuotaCounter, type QuotaCounter } from "./fs-quota.js";
import type {
  DirCap,
  DirEntry,
  FsEntryType,
  FsReadStream,
  FsWriteHandle,
  StatRecord,
} from "./fs-types.js";
import type { ResourceScope } from "../resource-scope.js";
import { formatVirtualPath, parseVirtualPath } from "./virtual-path.js";

// Captured intrinsics (invariant 6).
const ReflectApply = Reflect.apply;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag)?.get;
const Uint8ArrayCtor = Uint8Array;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8");

const DEFAULT_CHUNK = 64 * 1024;
const MAX_CHUNK = 16 * 1024 * 1024;

interface FilterLayer {
  readonly base: Segments;
  readonly filter: GlobFilter;
}

/** Everything that defines one capability; internal to the host. */
export interface CapPolicy {
  readonly backend: FsBackend;
  readonly root: Segments;
  readonly readOnly: boolean;
  readonly quotas: readonly QuotaCounter[];
  readonly filters: readonly FilterLayer[];
  readonly scope: ResourceScope | undefined;
  /** The host's name for the grant, shown in denials (never a host path). */
  readonly name: string | undefined;
}

type Kind = "file" | "dir" | "any";

const kindOf = (t: FsEntryType): "file" | "dir" => (t === "dir" ? "dir" : "file");

const toBytes = (data: unknown, op: string): Uint8Array => {
  if (typeof data === "string") return textEncoder.encode(data);
  // Invariant 6: the getter reads an internal slot; for a proxy or a fake it is undefined.
  if (typedArrayTag !== undefined && typeof data === "object" && data !== null) {
    if (ReflectApply(typedArrayTag, data, []) === "Uint8Array") {
      try {
        return new Uint8ArrayCtor(data as Uint8Array);
      } catch {
        throw fsError("FS_BAD_ARGUMENT", `${op}: the Uint8Array's buffer is detached.`);
      }
    }
  }
  throw fsError("FS_BAD_ARGUMENT", `${op}: data must be a string or a Uint8Array.`);
};

/** Read one option from an options record (once), refusing non-objects. */
const readOption = (options: unknown, key: string, op: string): unknown => {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object")
    throw fsError("FS_BAD_ARGUMENT", `${op}: options must be an object.`);
  return (options as Record<string, unknown>)[key];
};

const readFlag = (options: unknown, key: string, op: string): boolean => {
  const v = readOption(options, key, op);
  if (v === undefined) return false;
  if (typeof v !== "boolean")
    throw fsError("FS_BAD_ARGUMENT", `${op}: option ${key} must be a boolean.`);
  return v;
};

const readEncoding = (options: unknown, op: string): boolean => {
  const v = typeof options === "string" ? options : readOption(options, "encoding", op);
  if (v === undefined || v === null) return false;
  if (v === "utf8" || v === "utf-8") return true;
  throw fsError("FS_BAD_ARGUMENT", `${op}: the only supported encoding is "utf8".`);
};

const startsWith = (segs: Segments, prefix: Segments): boolean => {
  if (segs.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (segs[i] !== prefix[i]) return false;
  return true;
};

const sameSegments = (a: Segments, b: Segments): boolean =>
  a.length === b.length && startsWith(a, b);

/**
 * Make a capability from a policy. Used by `makeDirCap` and
 * `makeMemoryDirCap`; not exported from the package.
 *
 * @example
 * ```ts
 * const cap = makeCapFromPolicy({ backend, root: [], readOnly: false, quotas: [], filters: [], scope: undefined });
 * ```
 */
export function makeCapFromPolicy(p: CapPolicy): DirCap {
  const { backend, root, readOnly, quotas, filters, scope, name } = p;
  const capability =
    name === undefined
      ? "this directory capability"
      : `directory capability ${JSON.stringify(name)}`;

  const vp = (abs: Segments): string => formatVirtualPath(abs.slice(root.length));

  const visible = (abs: Segments, kind: Kind): boolean =>
    filters.every((f) => {
      const rel = abs.slice(f.base.length).join("/");
      if (kind === "dir") return f.filter.matchDir(rel);
      if (kind === "file") return f.filter.matchFile(rel);
      return f.filter.matchFile(rel) || f.filter.matchDir(rel);
    });

  const assertVisible = (abs: Segments, kind: Kind, op: string): void => {
    if (!visible(abs, kind)) {
      throw fsError(
        "FS_FILTERED",
        `${op} ${vp(abs)} denied: ${capability} only sees paths matching its filter; ask the host for a capability whose filter includes it.`,
      );
    }
  };

  const assertWritable = (op: string, path: string): void => {
    if (readOnly) {
      throw fsError(
        "FS_DENIED_READ_ONLY",
        `${op} ${path} denied: ${capability} is read-only; grant a writable one (drop .readOnly()) to allow it.`,
      );
    }
  };

  const parse = (input: unknown, op: string): Segments => [
    ...root,
    ...parseVirtualPath(input, op).segments,
  ];

  const outside = (op: string, abs: Segments) =>
    fsError(
      "FS_OUTSIDE_ROOT",
      `${op} ${vp(abs)} denied: it leads (through a symbolic link) outside the granted directory; ask the host for a capability on the link's target.`,
    );

  /** Invariant 1 and 4: where `abs` really leads, checked against root and filters. */
  const resolve = async (
    abs: Segments,
    follow: boolean,
    op: string,
    kind: Kind,
  ): Promise<Segments> => {
    assertVisible(abs, kind, op);
    let real: Segments | undefined;
    try {
      real = await backend.resolve(abs, follow);
    } catch (e) {
      throw toCellError(e, op, vp(abs));
    }
    if (real === undefined || !startsWith(real, root)) throw outside(op, abs);
    if (!sameSegments(real, abs)) assertVisible(real, kind, op);
    return real;
  };

  const lstatOf = async (
    real: Segments,
    op: string,
    abs: Segments,
  ): Promise<StatRecord | undefined> => {
    try {
      return await backend.lstat(real);
    } catch (e) {
      throw toCellError(e, op, vp(abs));
    }
  };

  const io = async <T>(op: string, abs: Segments, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw toCellError(e, op, vp(abs));
    }
  };

  const open = (): void => scope?.assertOpen();
  /** Invariant 8: `f` runs as an operation of the scope. */
  const effect =
    <A extends unknown[], T>(f: (...args: A) => Promise<T>) =>
    // Async, so that attenuators see an async method (denials as rejections).
    async (...args: A): Promise<T> =>
      scope === undefined ? f(...args) : scope.run(() => f(...args));

  const statImpl = async (path: unknown, follow: boolean, op: string): Promise<StatRecord> => {
    open();
    const abs = parse(path, op);
    const real = await resolve(abs, follow, op, "any");
    const st = await lstatOf(real, op, abs);
    if (st === undefined) throw toCellError({ code: "ENOENT" }, op, vp(abs));
    if (follow && st.type === "symlink")
      throw toCellError({ code: "FS_PATH_CHANGED" }, op, vp(abs));
    assertVisible(abs, kindOf(st.type), op);
    assertVisible(real, kindOf(st.type), op);
    return st;
  };

  const writeWhole = async (
    path: unknown,
    data: unknown,
    append: boolean,
    op: string,
  ): Promise<void> => {
    open();
    const bytes = toBytes(data, op);
    const abs = parse(path, op);
    assertWritable(op, vp(abs));
    const real = await resolve(abs, true, op, "file");
    let bytesCharge = bytes.length;
    let filesCharge = 0;
    if (quotas.length > 0) {
      const st = await lstatOf(real, op, abs);
      if (st?.type === "dir") throw toCellError({ code: "EISDIR" }, op, vp(abs));
      if (st === undefined) filesCharge = 1;
      else if (!append) bytesCharge -= st.size;
      chargeQuotas(quotas, bytesCharge, filesCharge, `${op} ${vp(abs)}`);
    }
    try {
      const w = await backend.openWrite(real, append);
      try {
        await w.write(bytes);
      } finally {
        await w.close();
      }
    } catch (e) {
      if (quotas.length > 0) chargeQuotas(quotas, -bytesCharge, -filesCharge, "");
      throw toCellError(e, op, vp(abs));
    }
  };

  async function readFile(path: string, options?: unknown): Promise<Uint8Array | string> {
    open();
    const text = readEncoding(options, "readFile");
    const abs = parse(path, "readFile");
    if (backend.readFileIfLinkFree !== undefined) {
      // The file is exactly at `abs` (the backend verified it), so the root
      // and filter checks on `abs` are the checks on where it really is.
      assertVisible(abs, "file", "readFile");
      const bytes = await backend.readFileIfLinkFree(abs);
      if (bytes !== undefined) return text ? textDecoder.decode(bytes) : bytes;
    }
    const real = await resolve(abs, true, "readFile", "file");
    const bytes = await io("readFile", abs, () => backend.readFile(real));
    return text ? textDecoder.decode(bytes) : bytes;
  }

  const cap: DirCap = {
    readFile: readFile as DirCap["readFile"],
    writeFile: effect((path, data) => writeWhole(path, data, false, "writeFile")),
    appendFile: effect((path, data) => writeWhole(path, data, true, "appendFile")),

    async readdir(path) {
      open();
      const abs = parse(path, "readdir");
      const real = await resolve(abs, true, "readdir", "dir");
      const entries = await io("readdir", abs, () => backend.readdir(real));
      const shown: DirEntry[] = [];
      for (const e of entries) {
        if (
          visible([...real, e.name], kindOf(e.type)) &&
          visible([...abs, e.name], kindOf(e.type))
        ) {
          shown.push(harden({ name: e.name, type: e.type }));
        }
      }
      shown.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return harden(shown);
    },

    stat: (path) => statImpl(path, true, "stat"),
    lstat: (path) => statImpl(path, false, "lstat"),

    async mkdir(path, options) {
      open();
      const recursive = readFlag(options, "recursive", "mkdir");
      const abs = parse(path, "mkdir");
      assertWritable("mkdir", vp(abs));
      if (abs.length === root.length) {
        if (recursive) return;
        throw toCellError({ code: "EEXIST" }, "mkdir", "/");
      }
      const first = recursive ? root.length + 1 : abs.length;
      for (let n = first; n <= abs.length; n++) {
        const step = abs.slice(0, n);
        const real = await resolve(step, recursive, "mkdir", "dir");
        if (recursive) {
          const st = await lstatOf(real, "mkdir", step);
          if (st?.type === "dir") continue;
          if (st !== undefined) throw toCellError({ code: "ENOTDIR" }, "mkdir", vp(step));
        }
        chargeQuotas(quotas, 0, 1, `mkdir ${vp(step)}`);
        try {
          await backend.mkdir(real);
        } catch (e) {
          chargeQuotas(quotas, 0, -1, "");
          const again = recursive ? await lstatOf(real, "mkdir", step) : undefined;
          if (again?.type === "dir") continue;
          throw toCellError(e, "mkdir", vp(step));
        }
      }
    },

    async rm(path, options) {
      open();
      const recursive = readFlag(options, "recursive", "rm");
      const force = readFlag(options, "force", "rm");
      const abs = parse(path, "rm");
      assertWritable("rm", vp(abs));
      if (abs.length === root.length) {
        throw fsError("FS_BAD_PATH", "rm /: the root of a directory capability cannot be removed.");
      }
      let real: Segments;
      try {
        real = await resolve(abs, false, "rm", "any");
      } catch (e) {
        // With `force`, a missing parent is as absent as a missing leaf (Node's rule).
        if (force && (e as { code?: unknown }).code === "ENOENT") return;
        throw e;
      }
      const st = await lstatOf(real, "rm", abs);
      if (st === undefined) {
        if (force) return;
        throw toCellError({ code: "ENOENT" }, "rm", vp(abs));
      }
      assertVisible(abs, kindOf(st.type), "rm");
      assertVisible(real, kindOf(st.type), "rm");
      if (st.type === "dir" && recursive && filters.length > 0) {
        throw fsError(
          "FS_FILTERED",
          `rm ${vp(abs)} denied: ${capability} is filtered and cannot remove a whole tree, which may hold entries it does not see; remove the files one by one.`,
        );
      }
      const freed = await io("rm", abs, () => backend.rm(real, recursive));
      chargeQuotas(quotas, -freed.bytes, -freed.files, "");
    },

    async rename(from, to) {
      open();
      const absFrom = parse(from, "rename");
      const absTo = parse(to, "rename");
      assertWritable("rename", vp(absFrom));
      if (absFrom.length === root.length || absTo.length === root.length) {
        throw fsError(
          "FS_BAD_PATH",
          "rename: the root of a directory capability cannot be moved or replaced.",
        );
      }
      const realFrom = await resolve(absFrom, false, "rename", "any");
      const realTo = await resolve(absTo, false, "rename", "any");
      const st = await lstatOf(realFrom, "rename", absFrom);
      if (st === undefined) throw toCellError({ code: "ENOENT" }, "rename", vp(absFrom));
      const kind = kindOf(st.type);
      if (kind === "dir" && filters.length > 0) {
        throw fsError(
          "FS_FILTERED",
          `rename ${vp(absFrom)} denied: ${capability} is filtered and cannot move a whole directory, which may hold entries it does not see.`,
        );
      }
      for (const [a, r] of [
        [absFrom, realFrom],
        [absTo, realTo],
      ] as const) {
        assertVisible(a, kind, "rename");
        assertVisible(r, kind, "rename");
      }
      const target = quotas.length > 0 ? await lstatOf(realTo, "rename", absTo) : undefined;
      await io("rename", absFrom, () => backend.rename(realFrom, realTo));
      if (target !== undefined && target.type !== "dir") chargeQuotas(quotas, -target.size, -1, "");
    },

    async copy(from, to) {
      open();
      const absFrom = parse(from, "copy");
      const absTo = parse(to, "copy");
      assertWritable("copy", vp(absTo));
      const realFrom = await resolve(absFrom, true, "copy", "file");
      const realTo = await resolve(absTo, true, "copy", "file");
      if (sameSegments(realFrom, realTo)) return;
      const reader = await io("copy", absFrom, () => backend.openRead(realFrom));
      let bytesCharge = 0;
      let filesCharge = 0;
      try {
        if (quotas.length > 0) {
          const dest = await lstatOf(realTo, "copy", absTo);
          if (dest?.type === "dir") throw toCellError({ code: "EISDIR" }, "copy", vp(absTo));
          bytesCharge = reader.size - (dest?.size ?? 0);
          filesCharge = dest === undefined ? 1 : 0;
          chargeQuotas(quotas, bytesCharge, filesCharge, `copy to ${vp(absTo)}`);
        }
        try {
          const w = await backend.openWrite(realTo, false);
          try {
            let copied = 0;
            for (;;) {
              // No gate check here (invariant 8): a copy that started completes.
              const chunk = await reader.read(DEFAULT_CHUNK);
              if (chunk.length === 0) break;
              copied += chunk.length;
              // The source grew while copying: charge the growth too.
              if (copied > reader.size)
                chargeQuotas(quotas, chunk.length, 0, `copy to ${vp(absTo)}`);
              await w.write(chunk);
            }
          } finally {
            await w.close();
          }
        } catch (e) {
          chargeQuotas(quotas, -bytesCharge, -filesCharge, "");
          throw toCellError(e, "copy", vp(absTo));
        }
      } finally {
        await reader.close();
      }
    },

    async openRead(path, options) {
      open();
      const chunkOpt = readOption(options, "chunkSize", "openRead");
      const chunkSize = chunkOpt === undefined ? DEFAULT_CHUNK : chunkOpt;
      if (
        typeof chunkSize !== "number" ||
        !Number.isSafeInteger(chunkSize) ||
        chunkSize < 1 ||
        chunkSize > MAX_CHUNK
      ) {
        throw fsError(
          "FS_BAD_ARGUMENT",
          `openRead: chunkSize must be an integer from 1 to ${MAX_CHUNK}.`,
        );
      }
      const abs = parse(path, "openRead");
      const real = await resolve(abs, true, "openRead", "file");
      const reader = await io("openRead", abs, () => backend.openRead(real));
      let closed = false;
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        untrack();
        await reader.close();
      };
      let untrack: () => void = () => {};
      try {
        if (scope !== undefined) untrack = scope.add({ close });
      } catch (e) {
        await reader.close();
        throw e;
      }
      const done = harden({ done: true as const, value: undefined });
      const iterator = harden({
        async next(): Promise<IteratorResult<Uint8Array>> {
          open();
          if (closed) return done;
          const chunk = await io("openRead", abs, () => reader.read(chunkSize));
          if (chunk.length === 0) {
            await close();
            return done;
          }
          return harden({ done: false, value: chunk });
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          await close();
          return done;
        },
      });
      const stream: FsReadStream = {
        [Symbol.asyncIterator]: () => iterator,
        close,
      };
      return harden(stream);
    },

    async openWrite(path, options) {
      open();
      const append = readFlag(options, "append", "openWrite");
      const abs = parse(path, "openWrite");
      assertWritable("openWrite", vp(abs));
      const real = await resolve(abs, true, "openWrite", "file");
      let charged = { bytes: 0, files: 0 };
      if (quotas.length > 0) {
        const st = await lstatOf(real, "openWrite", abs);
        if (st?.type === "dir") throw toCellError({ code: "EISDIR" }, "openWrite", vp(abs));
        charged = {
          bytes: append || st === undefined ? 0 : -st.size,
          files: st === undefined ? 1 : 0,
        };
        chargeQuotas(quotas, charged.bytes, charged.files, `openWrite ${vp(abs)}`);
      }
      let w;
      try {
        w = await backend.openWrite(real, append);
      } catch (e) {
        chargeQuotas(quotas, -charged.bytes, -charged.files, "");
        throw toCellError(e, "openWrite", vp(abs));
      }
      const writer = w;
      let closed = false;
      let chain: Promise<void> = Promise.resolve();
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        untrack();
        await chain.catch(() => {});
        await io("openWrite", abs, () => writer.close());
      };
      let untrack: () => void = () => {};
      try {
        if (scope !== undefined) untrack = scope.add({ close });
      } catch {
        // Invariant 8: the file was opened (and maybe created) before the
        // scope closed, so the open landed and reports success; the handle
        // it returns is closed already, and its writes fail with REVOKED.
        await close();
      }
      const handle: FsWriteHandle = {
        write(data) {
          const run = async (): Promise<void> => {
            open();
            if (closed)
              throw fsError(
                "FS_CLOSED",
                `write to ${vp(abs)}: the handle is closed; open a new one.`,
              );
            const bytes = toBytes(data, "write");
            // Invariant of quotas: charged before the bytes are written (a write that would pass the quota fails whole).
            chargeQuotas(quotas, bytes.length, 0, `write to ${vp(abs)}`);
            try {
              await writer.write(bytes);
            } catch (e) {
              chargeQuotas(quotas, -bytes.length, 0, "");
              throw toCellError(e, "write", vp(abs));
            }
          };
          const result = scope === undefined ? chain.then(run) : scope.run(() => chain.then(run));
          chain = result.catch(() => {});
          return result;
        },
        close,
      };
      return harden(handle);
    },

    sub(path) {
      let rel: Segments;
      try {
        rel = parseVirtualPath(path, "sub").segments;
      } catch (e) {
        if ((e as { code?: unknown }).code === "FS_OUTSIDE_ROOT") {
          throw fsError(
            "FS_WIDEN_DENIED",
            "sub: a sub-capability cannot reach above its parent's root; attenuation only narrows. Ask the host for a capability on the wider directory.",
          );
        }
        throw e;
      }
      const newRoot = [...root, ...rel];
      assertVisible(newRoot, "dir", "sub");
      return makeCapFromPolicy({ ...p, root: harden(newRoot) });
    },

    readOnly() {
      return makeCapFromPolicy({ ...p, readOnly: true });
    },

    withQuota(quota) {
      const counter = makeQuotaCounter(quota);
      for (const q of quotas) {
        if (counter.limit.bytes > q.limit.bytes || counter.limit.files > q.limit.files) {
          throw fsError(
            "FS_WIDEN_DENIED",
            `withQuota: { bytes: ${counter.limit.bytes}, files: ${counter.limit.files} } is larger than this capability's quota { bytes: ${q.limit.bytes}, files: ${q.limit.files} }; attenuation only narrows.`,
          );
        }
      }
      return makeCapFromPolicy({ ...p, quotas: [...quotas, counter] });
    },

    filter(globs) {
      const filter = makeGlobFilter(globs);
      return makeCapFromPolicy({ ...p, filters: [...filters, harden({ base: root, filter })] });
    },
  };
  // Invariant 8: the remaining effects run as operations of the scope.
  cap.mkdir = effect(cap.mkdir);
  cap.rm = effect(cap.rm);
  cap.rename = effect(cap.rename);
  cap.copy = effect(cap.copy);
  cap.openWrite = effect(cap.openWrite);
  return harden(cap);
}
