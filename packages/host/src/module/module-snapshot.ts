/**
 * A plugin folder as bytes in memory, so that a cell behind a wall can load
 * its modules without any access to the host's file system.
 *
 * Invariants:
 * 1. Confinement: only files whose real path (after symbolic links) lies
 *    inside the plugin root are taken; a link leading outside is left out,
 *    so the loader reports the module as not found.
 * 2. Bounded: at most MAX_FILES files and MAX_BYTES bytes; a larger folder
 *    is refused with MODULE_BAD_REQUEST.
 * 3. The snapshot's read powers speak only the loader's virtual locations
 *    (`file:///plugin/...`): no host path is in a snapshot or its errors.
 * 4. Only files the loader can load are taken (`.js`, `.mjs`, `.cjs`,
 *    `.json`, and names without an extension), so a wall receives no file
 *    a module could not import anyway.
 * 5. Across a wall a snapshot travels packed: one buffer of every file's
 *    bytes, an index of [path, offset, length], and the SHA-256 of both, so
 *    a wall receives a folder once and recognises it again by its contents.
 *    Unpacking checks every index entry against the buffer and never hardens
 *    the bytes (hardening a typed array visits every element).
 */
import { createHash } from "node:crypto";
import { opendir, readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { moduleError } from "./module-error.js";
import type { ConfinedReadPowers } from "./module-read-powers.js";

/** Relative POSIX path (`node_modules/yaml/package.json`) → file bytes. */
export type PluginSnapshot = Readonly<Record<string, Uint8Array>>;

const MAX_FILES = 20_000;

/**
 * Files the loader can load: JavaScript, JSON, and extensionless files
 * (which `require("./bin/x")` may name). Type declarations, source maps,
 * TypeScript sources and documentation are left out (invariant 4): they are
 * often most of a package's bytes (date-fns: 37 MB, of which its modules are
 * a third), and sending them behind a wall made large packages time out.
 */
const LOADABLE = /\.(?:js|mjs|cjs|json)$/;
const isLoadable = (name: string): boolean => LOADABLE.test(name) || !name.includes(".");
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads the plugin folder at `root` into a snapshot.
 *
 * @example
 * ```ts
 * const files = await snapshotPluginFolder("./plugins/markdown");
 * ```
 */
export async function snapshotPluginFolder(root: string): Promise<PluginSnapshot> {
  const realRoot = await realpath(root).catch(() => {
    throw moduleError("MODULE_NOT_FOUND", "Not found: the plugin folder does not exist.");
  });
  const inside = (real: string) => real === realRoot || real.startsWith(realRoot + sep);
  const files: Record<string, Uint8Array> = {};
  let count = 0;
  let bytes = 0;
  // A directory already on the path being walked is a link loop; the same
  // directory reached by another path (an alias) is walked again there.
  const walk = async (
    dir: string,
    prefix: string,
    ancestors: ReadonlySet<string>,
  ): Promise<void> => {
    const realDir = await realpath(dir);
    if (!inside(realDir) || ancestors.has(realDir)) return;
    const lineage = new Set(ancestors).add(realDir);
    for await (const entry of await opendir(dir)) {
      const path = join(dir, entry.name);
      const key = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined || !inside(real)) continue; // invariant 1
      const info = await stat(real);
      if (info.isDirectory()) {
        await walk(path, key, lineage);
        continue;
      }
      if (!info.isFile() || !isLoadable(entry.name)) continue;
      count += 1;
      const content = new Uint8Array(await readFile(real));
      bytes += content.byteLength;
      if (count > MAX_FILES || bytes > MAX_BYTES) {
        throw moduleError(
          "MODULE_BAD_REQUEST",
          `The plugin folder is too large to send behind a wall (at most ${MAX_FILES} files and ${MAX_BYTES / 1024 / 1024} MiB).`,
        );
      }
      files[key] = content;
    }
  };
  await walk(realRoot, "", new Set());
  return files;
}

/** A snapshot packed to cross a wall (invariant 4). */
export interface PackedSnapshot {
  /** SHA-256 (hex) of the index and the bytes. */
  readonly hash: string;
  /** `[path, offset, length]` of each file in `bytes`. */
  readonly index: readonly (readonly [string, number, number])[];
  /** Every file's bytes, one after the other. */
  readonly bytes: Uint8Array;
}

/**
 * Packs a snapshot into one buffer to send across a wall.
 *
 * @example
 * ```ts
 * const { hash, index, bytes } = packSnapshot(await snapshotPluginFolder("./plugin"));
 * ```
 */
export function packSnapshot(files: PluginSnapshot): PackedSnapshot {
  const paths = Object.keys(files).sort();
  let total = 0;
  for (const path of paths) total += (files[path] as Uint8Array).byteLength;
  const bytes = new Uint8Array(total);
  const index: [string, number, number][] = [];
  let offset = 0;
  for (const path of paths) {
    const content = files[path] as Uint8Array;
    bytes.set(content, offset);
    index.push([path, offset, content.byteLength]);
    offset += content.byteLength;
  }
  const hash = createHash("sha256").update(JSON.stringify(index)).update(bytes).digest("hex");
  return { hash, index, bytes };
}

/**
 * Unpacks a snapshot that crossed a wall: each file is a view into `bytes`.
 * A malformed index is refused with MODULE_BAD_REQUEST.
 *
 * @example
 * ```ts
 * const files = unpackSnapshot(index, bytes);
 * ```
 */
export function unpackSnapshot(index: unknown, bytes: Uint8Array): PluginSnapshot {
  const bad = () => moduleError("MODULE_BAD_REQUEST", "The plugin snapshot is malformed.");
  if (!Array.isArray(index) || index.length > MAX_FILES) throw bad();
  const files: Record<string, Uint8Array> = {};
  for (const entry of index as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3) throw bad();
    const [path, offset, length] = entry as [unknown, unknown, unknown];
    if (
      typeof path !== "string" ||
      Object.hasOwn(files, path) ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      (offset as number) < 0 ||
      (length as number) < 0 ||
      (offset as number) + (length as number) > bytes.byteLength
    ) {
      throw bad();
    }
    // defineProperty: a file named `__proto__` stays a file.
    Object.defineProperty(files, path, {
      value: bytes.subarray(offset as number, (offset as number) + (length as number)),
      enumerable: true,
    });
  }
  return Object.freeze(files);
}

const notFound = (location: string) =>
  moduleError(
    "MODULE_NOT_FOUND",
    `Not found: ${location.replace("file:///plugin/", "./")} does not exist in the plugin folder.`,
  );

/** The snapshot path of a virtual location, or undefined if it is not one. */
const keyOf = (location: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(`${location}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== "file:" || url.host !== "" || !url.pathname.startsWith("/plugin/"))
    return undefined;
  const segments: string[] = [];
  for (const raw of url.pathname.slice("/plugin/".length).split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === "." || segment === ".." || segment.includes("/") || segment.includes("\0"))
      return undefined;
    segments.push(segment);
  }
  return segments.join("/");
};

/**
 * Read powers for the module loader over a snapshot.
 *
 * @example
 * ```ts
 * const readPowers = makeSnapshotReadPowers(await snapshotPluginFolder("./plugin"));
 * ```
 */
export function makeSnapshotReadPowers(files: PluginSnapshot): ConfinedReadPowers {
  const maybeReadNow = (location: string): Uint8Array | undefined => {
    const key = keyOf(location);
    return key === undefined || !Object.hasOwn(files, key) ? undefined : files[key];
  };
  return harden({
    canonical: async (location) => location,
    maybeRead: async (location: string) => maybeReadNow(location),
    maybeReadNow,
    read: async (location: string) => {
      const bytes = maybeReadNow(location);
      if (bytes === undefined) throw notFound(`${location}`);
      return bytes;
    },
    fileURLToPath: (location: string | URL) => {
      const url = new URL(`${location}`);
      try {
        return decodeURIComponent(url.pathname);
      } catch {
        return url.pathname;
      }
    },
    isAbsolute: (specifier: string) => `${specifier}`.startsWith("/"),
  });
}
