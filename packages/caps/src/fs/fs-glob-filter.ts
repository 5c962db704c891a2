/**
 * Glob filters for `DirCap.filter(...)`: decide which paths a filtered
 * capability can see, using picomatch.
 *
 * Invariants:
 * 1. A file (or link, or other non-directory) is visible only if its path,
 *    relative to the root of the capability the filter was applied to,
 *    matches one of the globs.
 * 2. A directory is visible if it matches, or if it could hold a match: it is
 *    an ancestor of a glob's literal base, or lies under that base and the rest
 *    of the glob could still match below it. Only directories are let through
 *    this way, so no file outside the globs is ever readable or writable.
 * 3. Globs are copied and compiled once, at `filter()` time; later changes to
 *    the array the cell passed have no effect.
 *
 * It does not follow links; the capability checks the resolved path too.
 * Dotfiles are matched only by globs that name them (picomatch's default).
 */
import picomatch from "picomatch";
import { fsError } from "./fs-error-codes.js";

/** A compiled filter. */
export interface GlobFilter {
  matchFile(rel: string): boolean;
  matchDir(rel: string): boolean;
}

interface CompiledGlob {
  readonly full: (rel: string) => boolean;
  readonly negated: boolean;
  readonly base: readonly string[];
  readonly globstar: boolean;
  readonly restLength: number;
  /** `prefixes[i]` matches the first `i + 1` segments below the base. */
  readonly prefixes: readonly ((rel: string) => boolean)[];
}

const MAX_GLOBS = 256;
const MAX_GLOB_LENGTH = 1024;

const compile = (glob: string): CompiledGlob => {
  const scan = picomatch.scan(glob);
  const base = scan.base === "" ? [] : scan.base.split("/").filter((s) => s !== "" && s !== ".");
  const rest = scan.glob === "" ? [] : scan.glob.split("/");
  const prefixes = rest.slice(0, -1).map((_, i) => picomatch(rest.slice(0, i + 1).join("/")));
  return {
    full: picomatch(glob),
    negated: scan.negated,
    base,
    globstar: rest.some((p) => p.includes("**")),
    restLength: rest.length,
    prefixes,
  };
};

const couldHoldMatch = (g: CompiledGlob, segs: readonly string[]): boolean => {
  // A negated glob ("!secret/**") can match files anywhere.
  if (g.negated) return true;
  const n = Math.min(segs.length, g.base.length);
  for (let i = 0; i < n; i++) if (segs[i] !== g.base[i]) return false;
  if (segs.length < g.base.length) return true;
  const below = segs.slice(g.base.length);
  if (below.length === 0) return g.restLength > 0;
  if (g.globstar) return true;
  const prefix = g.prefixes[below.length - 1];
  return prefix !== undefined && prefix(below.join("/"));
};

/**
 * Compile a filter from one glob or a list of globs (picomatch syntax,
 * relative to the capability's root, no leading `/`).
 *
 * @example
 * ```ts
 * const f = makeGlobFilter(["docs/**\/*.md"]);
 * f.matchFile("docs/a/b.md"); // true
 * f.matchDir("docs/a");       // true (could hold a match)
 * f.matchFile("src/x.ts");    // false
 * ```
 */
export function makeGlobFilter(globs: unknown): GlobFilter {
  const list: string[] = [];
  if (typeof globs === "string") {
    list.push(globs);
  } else if (Array.isArray(globs)) {
    const n = globs.length;
    if (typeof n !== "number" || n > MAX_GLOBS) {
      throw fsError("FS_BAD_ARGUMENT", `filter: at most ${MAX_GLOBS} globs.`);
    }
    for (let i = 0; i < n; i++) {
      const g: unknown = globs[i];
      if (typeof g !== "string")
        throw fsError("FS_BAD_ARGUMENT", "filter: every glob must be a string.");
      list.push(g);
    }
  } else {
    throw fsError("FS_BAD_ARGUMENT", "filter: expected a glob string or an array of glob strings.");
  }
  if (list.length === 0) throw fsError("FS_BAD_ARGUMENT", "filter: give at least one glob.");
  const compiled = list.map((raw) => {
    if (raw.length === 0 || raw.length > MAX_GLOB_LENGTH) {
      throw fsError(
        "FS_BAD_ARGUMENT",
        `filter: a glob must have 1 to ${MAX_GLOB_LENGTH} characters.`,
      );
    }
    // Globs are relative to the capability's root; a leading "/" means the same root.
    const glob = raw.replace(/^\/+/, "");
    if (glob.split("/").includes("..")) {
      throw fsError(
        "FS_WIDEN_DENIED",
        `filter ${JSON.stringify(raw)}: a glob cannot reach above the capability's root.`,
      );
    }
    return compile(glob);
  });
  return harden({
    matchFile: (rel: string) => compiled.some((g) => g.full(rel)),
    matchDir: (rel: string) => {
      if (rel === "") return true;
      const segs = rel.split("/");
      return compiled.some((g) => g.full(rel) || couldHoldMatch(g, segs));
    },
  });
}
