/**
 * The grant vocabulary shared by CLI flags, policy files and plugin
 * manifests, and the set operations on it: union (policy plus flags),
 * intersection (what a plugin wants and what the policy allows) and the
 * list of wanted entries that were not given.
 *
 * Paths are in the cell's terms: the cell's `/` is the working directory
 * the CLI runs in, so `./docs` (a flag, a policy, a manifest) is `/docs` in
 * the cell. A path outside the working directory cannot be granted.
 *
 * Invariants:
 * 1. An intersection never holds an entry that no allowed entry covers:
 *    it is the narrower of each overlapping pair, never the wider.
 * 2. Path entries are canonical (`.` or `./a/b`: no `..`, no empty or `.`
 *    segment, no trailing slash), so comparison is by whole segments
 *    (closes `./doc` covering `./docs`, and `./docs/../etc` tricks).
 * 3. Net entries are compared conservatively: an entry covers another only
 *    when host and port provably include it (`*`, `*.suffix`, exact names,
 *    port ranges); anything else (CIDR, IPv6) must match exactly.
 *
 * It does not make capabilities (see `policy-caps.ts`) and does not read files.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { CellError } from "@padded-cell/membrane";

/** What a plugin may use (flags, a policy entry) or wants (a manifest). */
export interface GrantSet {
  /** Paths, relative to the working directory (`.` is all of it). */
  readonly fs: { readonly read: readonly string[]; readonly write: readonly string[] };
  /** `host:port` entries (`*`, `*.example.com:443`, `host:8000-8100`, `127.0.0.1:8080`). */
  readonly net: readonly string[];
  /** Environment variable names (`*` is every variable set at start). */
  readonly env: readonly string[];
  /** Program names, found on `PATH`. */
  readonly run: readonly string[];
  /** Packages the plugin may import (exact names, or `"pkg/*"`). */
  readonly imports: readonly string[];
}

/** A grant set as written in a file: every part optional. */
export interface GrantSetInput {
  readonly fs?: { readonly read?: readonly string[]; readonly write?: readonly string[] };
  readonly net?: readonly string[];
  readonly env?: readonly string[];
  readonly run?: readonly string[];
  readonly imports?: readonly string[];
}

/** One wanted entry that was not (fully) given. */
export interface NotGiven {
  /** `fs.read`, `fs.write`, `net`, `env`, `run` or `imports`. */
  readonly kind: "fs.read" | "fs.write" | "net" | "env" | "run" | "imports";
  /** The entry as wanted. */
  readonly entry: string;
  /** What was given of it instead (narrower entries), if anything. */
  readonly narrowedTo: readonly string[];
}

const usage = (message: string): CellError => new CellError("CLI_USAGE", message);

const PLAIN = /^[\x21-\x7e]{1,300}$/;

/**
 * A value as it should follow `--flag=` in a message: as is when it is
 * plain printable ASCII without spaces, else JSON-quoted, so a name with
 * control characters cannot forge lines in a terminal or a log.
 *
 * @example
 * ```ts
 * flagValue("./docs");     // ./docs
 * flagValue("./a\nb");     // "./a\nb"
 * ```
 */
export function flagValue(value: string): string {
  return PLAIN.test(value) ? value : JSON.stringify(value.slice(0, 300));
}

/**
 * Puts a path from a flag or a file into canonical cell form (`.` or
 * `./a/b`), resolving it against `cwd` (the cell's root).
 *
 * @throws CellError `CLI_USAGE` when the path lies outside `cwd`.
 * @example
 * ```ts
 * canonicalGrantPath("docs/../out/", "/srv/site"); // "./out"
 * ```
 */
export function canonicalGrantPath(path: string, cwd: string): string {
  const text = String(path);
  if (text.length === 0 || text.length > 4096 || text.includes("\0"))
    throw usage(`${JSON.stringify(text.slice(0, 60))} is not a path.`);
  const rel = relative(resolve(cwd), resolve(cwd, text));
  if (rel === "") return ".";
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw usage(
      `${JSON.stringify(text.slice(0, 200))} is outside the working directory: the cell's / is the directory padded-cell runs in, so only paths inside it can be granted. Run padded-cell from a directory that contains it.`,
    );
  }
  return `./${rel.split(sep).join("/")}`;
}

const segmentsOf = (canonical: string): string[] =>
  canonical === "." ? [] : canonical.slice(2).split("/");

/**
 * Whether canonical path `outer` is `inner` or one of its ancestors.
 *
 * @example
 * ```ts
 * pathCovers("./docs", "./docs/a.md"); // true
 * pathCovers("./doc", "./docs");       // false
 * ```
 */
export function pathCovers(outer: string, inner: string): boolean {
  const a = segmentsOf(outer);
  const b = segmentsOf(inner);
  return a.length <= b.length && a.every((s, i) => s === b[i]);
}

interface NetParts {
  readonly host: string;
  readonly lo: number;
  readonly hi: number;
}

const parseNet = (entry: string): NetParts | undefined => {
  const text = entry.toLowerCase();
  let host: string;
  let port: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    host = text.slice(0, close + 1);
    port = text.slice(close + 1).replace(/^:/, "") || undefined;
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    host = text;
  } else {
    const colon = text.indexOf(":");
    host = colon === -1 ? text : text.slice(0, colon);
    port = colon === -1 ? undefined : text.slice(colon + 1);
  }
  if (port === undefined || port === "*") return { host, lo: 1, hi: 65535 };
  const range = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(port);
  if (range === null) return undefined;
  const lo = Number(range[1]);
  const hi = range[2] === undefined ? lo : Number(range[2]);
  return { host, lo, hi };
};

/**
 * Whether net entry `outer` allows at least everything `inner` does
 * (conservative: unsure means no).
 *
 * @example
 * ```ts
 * netCovers("*.example.com:443", "api.example.com:443"); // true
 * netCovers("api.example.com:443", "api.example.com:80"); // false
 * ```
 */
export function netCovers(outer: string, inner: string): boolean {
  if (outer.toLowerCase() === inner.toLowerCase()) return true;
  const a = parseNet(outer);
  const b = parseNet(inner);
  if (a === undefined || b === undefined) return false;
  if (a.lo > b.lo || a.hi < b.hi) return false;
  if (a.host === "*") return true;
  if (a.host === b.host) return true;
  if (a.host.startsWith("*.")) {
    const suffix = a.host.slice(1); // ".example.com"
    const name = b.host.startsWith("*.") ? b.host.slice(1) : b.host;
    return name.endsWith(suffix) && name.length > suffix.length;
  }
  return false;
}

const importCovers = (outer: string, inner: string): boolean =>
  outer === inner || (outer.endsWith("/*") && inner.startsWith(outer.slice(0, -1)));

const exactOrStar = (outer: string, inner: string): boolean => outer === "*" || outer === inner;

/** Keeps only entries no other entry covers (and drops duplicates). */
const minimal = (
  entries: readonly string[],
  covers: (a: string, b: string) => boolean,
): string[] => {
  const unique = [...new Set(entries)];
  return unique
    .filter((e, i) => !unique.some((o, j) => j !== i && covers(o, e) && (!covers(e, o) || j < i)))
    .sort();
};

/**
 * Normalises a grant set read from a flag set or a file: paths become
 * canonical, lists lose duplicates and covered entries.
 *
 * @example
 * ```ts
 * grantSet({ fs: { read: ["docs", "./docs/a.md"] } }, process.cwd()).fs.read; // ["./docs"]
 * ```
 */
export function grantSet(input: GrantSetInput, cwd: string): GrantSet {
  return harden({
    fs: {
      read: minimal(
        (input.fs?.read ?? []).map((p) => canonicalGrantPath(p, cwd)),
        pathCovers,
      ),
      write: minimal(
        (input.fs?.write ?? []).map((p) => canonicalGrantPath(p, cwd)),
        pathCovers,
      ),
    },
    net: minimal(input.net ?? [], netCovers),
    env: minimal(input.env ?? [], exactOrStar),
    run: minimal(input.run ?? [], (a, b) => a === b),
    imports: minimal(input.imports ?? [], importCovers),
  });
}

/**
 * Everything either set allows (a policy entry plus command-line flags).
 *
 * @example
 * ```ts
 * const both = unionGrants(fromPolicy, fromFlags);
 * ```
 */
export function unionGrants(a: GrantSet, b: GrantSet): GrantSet {
  return harden({
    fs: {
      read: minimal([...a.fs.read, ...b.fs.read], pathCovers),
      write: minimal([...a.fs.write, ...b.fs.write], pathCovers),
    },
    net: minimal([...a.net, ...b.net], netCovers),
    env: minimal([...a.env, ...b.env], exactOrStar),
    run: minimal([...a.run, ...b.run], (x, y) => x === y),
    imports: minimal([...a.imports, ...b.imports], importCovers),
  });
}

const intersectList = (
  kind: NotGiven["kind"],
  wanted: readonly string[],
  allowed: readonly string[],
  covers: (a: string, b: string) => boolean,
  notGiven: NotGiven[],
): string[] => {
  const given: string[] = [];
  for (const want of wanted) {
    // Invariant 1: the narrower of each overlapping pair.
    if (allowed.some((a) => covers(a, want))) {
      given.push(want);
      continue;
    }
    const narrower = allowed.filter((a) => covers(want, a));
    given.push(...narrower);
    notGiven.push(harden({ kind, entry: want, narrowedTo: harden(narrower.sort()) }));
  }
  return minimal(given, covers);
};

/** The result of {@link intersectGrants}. */
export interface Intersection {
  /** What the plugin gets: never more than `allowed`. */
  readonly given: GrantSet;
  /** Wanted entries not given, or given only in part. */
  readonly notGiven: readonly NotGiven[];
}

/**
 * What a plugin gets: the part of what it wants that the policy allows.
 *
 * @example
 * ```ts
 * const { given, notGiven } = intersectGrants(manifestWants, policyAllows);
 * for (const n of notGiven) console.error(`not given: ${n.kind} ${n.entry}`);
 * ```
 */
export function intersectGrants(wanted: GrantSet, allowed: GrantSet): Intersection {
  const notGiven: NotGiven[] = [];
  const given: GrantSet = {
    fs: {
      read: intersectList(
        "fs.read",
        wanted.fs.read,
        [...allowed.fs.read, ...allowed.fs.write],
        pathCovers,
        notGiven,
      ),
      write: intersectList("fs.write", wanted.fs.write, allowed.fs.write, pathCovers, notGiven),
    },
    net: intersectList("net", wanted.net, allowed.net, netCovers, notGiven),
    env: intersectList("env", wanted.env, allowed.env, exactOrStar, notGiven),
    run: intersectList("run", wanted.run, allowed.run, (a, b) => a === b, notGiven),
    imports: intersectList("imports", wanted.imports, allowed.imports, importCovers, notGiven),
  };
  return harden({ given: harden(given), notGiven: harden(notGiven) });
}

/**
 * An empty grant set (default deny).
 *
 * @example
 * ```ts
 * intersectGrants(wants, emptyGrants()).given; // nothing
 * ```
 */
export function emptyGrants(): GrantSet {
  return harden({ fs: { read: [], write: [] }, net: [], env: [], run: [], imports: [] });
}
