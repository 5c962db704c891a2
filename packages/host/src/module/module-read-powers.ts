/**
 * Read powers for Endo's compartment mapper, confined to one plugin folder and
 * speaking only virtual `file:///plugin/...` URLs.
 *
 * The compartment mapper finds packages and module files through the read
 * powers it is given. These powers map the virtual URL space
 * `file:///plugin/` onto the plugin root on the host, so every location the
 * mapper (and therefore `import.meta.url`, `__filename`, error messages)
 * ever sees is virtual.
 *
 * Invariants:
 * 1. No host path leaves this file: locations in and out are virtual URLs,
 *    errors are `CellError`s that name paths relative to the plugin root
 *    (`./lib/a.js`), and Node's own errors (which carry host paths) are never
 *    rethrown.
 * 2. A read succeeds only if the real path of the file (all symbolic links
 *    resolved) is the plugin root or inside it. This closes the whole class of
 *    escapes by `../`, by encoded separators (`%2F`, `%5C`, `%00`), by
 *    absolute locations and by symbolic links (to files, directories or
 *    packages), whatever the mapper's own resolution does.
 * 3. A location under the virtual root whose real path leaves the root fails
 *    with MODULE_OUTSIDE_ROOT (it is never silently treated as absent);
 *    locations outside the virtual root (the mapper probing
 *    `file:///node_modules/` above the plugin) simply do not exist.
 *
 * It does not write, list directories, or resolve package names; and it
 * cannot close the race where the plugin folder is changed (a directory
 * swapped for a symlink) between the real-path check and the read: hosts must
 * not let untrusted parties write the plugin folder while a cell loads.
 */
import { realpath, readFile } from "node:fs/promises";
import { realpathSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { CellError } from "@padded-cell/membrane";
import { moduleError } from "./module-error.js";

/** The virtual URL of the plugin root, as cells see it. */
export const VIRTUAL_ROOT = "file:///plugin/";

const VIRTUAL_PREFIX_PATH = "/plugin/";
const URLConstructor = URL;
const decode = decodeURIComponent;
const encode = encodeURIComponent;
const uint8 = (buffer: Uint8Array): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/**
 * A location as the cell should read it in a message: `./lib/a.js` relative
 * to the plugin root, or a placeholder for anything else.
 *
 * @example
 * ```ts
 * describeLocation("file:///plugin/lib/a.js"); // "./lib/a.js"
 * ```
 */
export const describeLocation = (location: string): string => {
  if (location.startsWith(VIRTUAL_ROOT)) {
    try {
      return `./${decode(location.slice(VIRTUAL_ROOT.length))}`;
    } catch {
      return `./${location.slice(VIRTUAL_ROOT.length)}`;
    }
  }
  return "(a location outside the plugin root)";
};

/** A `file:` URL string, as the compartment mapper types locations. */
export type FileUrlString = `file://${string}`;

/** Read powers in the shape the compartment mapper expects. */
export interface ConfinedReadPowers {
  readonly canonical: (location: FileUrlString) => Promise<FileUrlString>;
  readonly read: (location: string) => Promise<Uint8Array>;
  readonly maybeRead: (location: string) => Promise<Uint8Array | undefined>;
  readonly maybeReadNow: (location: string) => Uint8Array | undefined;
  readonly fileURLToPath: (location: string | URL) => string;
  readonly isAbsolute: (specifier: string) => boolean;
}

const outsideError = (location: string): CellError =>
  moduleError(
    "MODULE_OUTSIDE_ROOT",
    `Denied: ${describeLocation(location)} leads outside the plugin root (a symbolic link to elsewhere). Cells load only files inside their plugin folder; copy the file or package into the folder instead of linking it.`,
  );

const notFoundError = (location: string): CellError =>
  moduleError(
    "MODULE_NOT_FOUND",
    `Not found: ${describeLocation(location)} does not exist in the plugin folder.`,
  );

const isMissing = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === "ENOENT" ||
    code === "ENOTDIR" ||
    code === "EISDIR" ||
    code === "ELOOP" ||
    code === "ENAMETOOLONG"
  );
};

/**
 * Makes read powers that serve `file:///plugin/...` from `realRoot`.
 *
 * @param realRoot - the plugin root on the host, already a real path
 *   (`fs.realpath`), so that containment can be checked by prefix.
 * @example
 * ```ts
 * const powers = makeConfinedReadPowers(await realpath("/srv/plugins/md"));
 * const bytes = await powers.read("file:///plugin/package.json");
 * ```
 */
export const makeConfinedReadPowers = (realRoot: string): ConfinedReadPowers => {
  const rootWithSep = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  const isInside = (real: string): boolean => real === realRoot || real.startsWith(rootWithSep);

  /**
   * Maps a virtual location to a host path under the root, or undefined when
   * the location is not under the virtual root at all. Encoded separators,
   * NUL and dot segments are refused here (invariant 2).
   */
  const toHost = (location: string): string | undefined => {
    let url: URL;
    try {
      url = new URLConstructor(location);
    } catch {
      return undefined;
    }
    if (url.protocol !== "file:" || url.host !== "" || url.search !== "" || url.hash !== "") {
      return undefined;
    }
    if (!url.pathname.startsWith(VIRTUAL_PREFIX_PATH)) {
      return undefined;
    }
    const segments: string[] = [];
    for (const raw of url.pathname.slice(VIRTUAL_PREFIX_PATH.length).split("/")) {
      if (raw === "") continue;
      let segment: string;
      try {
        segment = decode(raw);
      } catch {
        return undefined;
      }
      if (
        segment === "." ||
        segment === ".." ||
        segment.includes("/") ||
        segment.includes("\\") ||
        segment.includes("\0")
      ) {
        return undefined;
      }
      segments.push(segment);
    }
    return join(realRoot, ...segments);
  };

  const toVirtual = (real: string, trailingSlash: boolean): FileUrlString => {
    const rel = relative(realRoot, real)
      .split(sep)
      .filter((s) => s !== "");
    const body = rel.map(encode).join("/");
    return `file:///plugin/${body}${trailingSlash && body !== "" ? "/" : ""}`;
  };

  const maybeRead = async (location: string): Promise<Uint8Array | undefined> => {
    const host = toHost(`${location}`);
    if (host === undefined) return undefined;
    let real: string;
    try {
      real = await realpath(host);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw notFoundError(location);
    }
    if (!isInside(real)) throw outsideError(location);
    try {
      return uint8(await readFile(real));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw notFoundError(location);
    }
  };

  const maybeReadNow = (location: string): Uint8Array | undefined => {
    const host = toHost(`${location}`);
    if (host === undefined) return undefined;
    let real: string;
    try {
      real = realpathSync(host);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw notFoundError(location);
    }
    if (!isInside(real)) throw outsideError(location);
    try {
      return uint8(readFileSync(real));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw notFoundError(location);
    }
  };

  const read = async (location: string): Promise<Uint8Array> => {
    const bytes = await maybeRead(location);
    if (bytes === undefined) throw notFoundError(location);
    return bytes;
  };

  const canonical = async (location: FileUrlString): Promise<FileUrlString> => {
    const text: FileUrlString = `${location}` as FileUrlString;
    const host = toHost(text);
    if (host === undefined) return text;
    let real: string;
    try {
      real = await realpath(host);
    } catch {
      // The mapper's contract: a location that does not exist is its own
      // canonical form.
      return text;
    }
    if (!isInside(real)) throw outsideError(text);
    return toVirtual(real, text.endsWith("/"));
  };

  const fileURLToPath = (location: string | URL): string => {
    const url = new URLConstructor(`${location}`);
    try {
      return decode(url.pathname);
    } catch {
      return url.pathname;
    }
  };

  const isAbsolute = (specifier: string): boolean => `${specifier}`.startsWith("/");

  return harden({ canonical, read, maybeRead, maybeReadNow, fileURLToPath, isAbsolute });
};
