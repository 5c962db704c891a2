/**
 * The `fs` grant of a policy or of CLI flags: one directory capability whose
 * `/` is the working directory, through which the cell reaches only the
 * granted paths. Read grants are read-only; write grants can also be read.
 * Every other path is refused with a denial that names the flag granting it.
 *
 * Two layers check every call (defence in depth):
 * - this file checks the path the cell named against the allow and deny
 *   lists, by whole segments, and writes the denial in the cell's terms;
 * - the underlying capabilities are `makeDirCap(cwd)` narrowed with
 *   `filter(globs)` of the granted paths (read-only for reads), and they
 *   check the path after resolving symbolic links, so a link inside a
 *   granted directory cannot reach an ungranted one.
 *
 * Invariants:
 * 1. A read succeeds only under a read or write grant; a write only under a
 *    write grant; `readdir`/`stat` also on the ancestors of a grant (which
 *    then list only what is granted below them).
 * 2. Deny wins: a path under a deny entry is refused before any allow is
 *    considered (deny-read for reads and listings, deny-write for writes).
 * 3. Attenuation only narrows: `sub`, `readOnly`, `withQuota` and `filter`
 *    return capabilities that keep every check of this one.
 * 4. Denials name the path as the cell named it (and the grant path, which
 *    is in the cell's terms too: relative to the cell's `/`), never a host path.
 * 5. With an `ask` function (the CLI's prompt on a terminal), a path that no
 *    grant covers is offered to it before it is refused: "once" lets that
 *    one call through, "always" grants the path for the rest of the run,
 *    "deny" refuses it and is remembered. Deny entries and read-only still
 *    win without asking, and only views that nothing narrowed but `sub` and
 *    `readOnly` ask: a view made with `withQuota` or `filter` never widens.
 *    What is allowed through a prompt is reached through a capability
 *    filtered to exactly that path, as the granted ones are.
 *
 * It does not check deny entries after symbolic links are resolved: a link
 * already on disk, inside an allowed directory, pointing into a denied
 * subdirectory of an allowed directory, is followed (see the guide).
 * Glob filters hide dotfiles under a granted directory unless the dotfile
 * itself is granted.
 */
import {
  makeDirCap,
  parseVirtualPath,
  type DirCap,
  type FsQuota,
  type ResourceScope,
} from "@padded-cell/caps";
import { CellError, isCellError } from "@padded-cell/membrane";
import type { AccessRecorder, AccessUse } from "./policy-access-audit.js";
import { flagValue, pathCovers } from "./policy-grant-set.js";
import type { AccessAsk } from "./policy-ask.js";

/** Canonical paths (`.` or `./a/b`) a `fs` grant allows and denies. */
export interface FsRules {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly denyRead: readonly string[];
  readonly denyWrite: readonly string[];
}

type Access = "read" | "write" | "list";

/** Invariant 5: the answers of one run, shared by every view of one grant. */
interface Prompts {
  readonly ask: AccessAsk;
  readonly root: DirCap;
  /** Grant paths answered "always" or "deny", by access. */
  readonly always: { read: string[]; write: string[] };
  readonly denied: Set<string>;
}

interface View {
  /** The cell's root, as segments below the working directory. */
  readonly base: readonly string[];
  /** Segments below the working directory where the underlying caps are rooted. */
  readonly under: readonly string[];
  readonly readCap: DirCap | undefined;
  readonly writeCap: DirCap | undefined;
  readonly readOnly: boolean;
  /** Whether this view may ask (invariant 5): nothing narrowed it but `sub` and `readOnly`. */
  readonly promptable: boolean;
}

const GLOB_SPECIAL = /[\\*?[\]{}()!+@|^$]/g;
const globsOf = (paths: readonly string[]): string[] =>
  paths.flatMap((p) => {
    if (p === ".") return ["**"];
    const escaped = p.slice(2).replace(GLOB_SPECIAL, "\\$&");
    return [escaped, `${escaped}/**`];
  });
const canonical = (segments: readonly string[]): string =>
  segments.length === 0 ? "." : `./${segments.join("/")}`;

/**
 * Makes the `fs` grant for `rules`, rooted at `cwd`.
 *
 * @example
 * ```ts
 * const fs = makePolicyDirCap(process.cwd(), { read: ["./docs"], write: ["./out"], denyRead: [], denyWrite: [] });
 * await fs.readFile("/docs/a.md", { encoding: "utf8" });
 * await fs.readFile("/secret.txt"); // POLICY_FS_DENIED: run again with --allow-read=./secret.txt
 * ```
 */
export function makePolicyDirCap(
  cwd: string,
  rules: FsRules,
  options: { scope?: ResourceScope; record?: AccessRecorder; ask?: AccessAsk } = {},
): DirCap {
  const readable = [...rules.read, ...rules.write];
  const root = makeDirCap(cwd, options.scope === undefined ? {} : { scope: options.scope });
  const view: View = {
    base: [],
    under: [],
    readCap: readable.length === 0 ? undefined : root.readOnly().filter(globsOf(readable)),
    writeCap: rules.write.length === 0 ? undefined : root.filter(globsOf(rules.write)),
    readOnly: false,
    promptable: true,
  };
  const record: AccessRecorder = options.record ?? ((_method, _args, _uses, call) => call());
  const prompts: Prompts | undefined =
    options.ask === undefined
      ? undefined
      : { ask: options.ask, root, always: { read: [], write: [] }, denied: new Set() };
  return makeView(view, rules, record, prompts);
}

const makeView = (
  view: View,
  rules: FsRules,
  record: AccessRecorder,
  prompts: Prompts | undefined,
): DirCap => {
  const readable = [...rules.read, ...rules.write];

  /** Checks one path; returns the path for the underlying capability. */
  const check = (access: Access, op: string, input: unknown, uses: AccessUse[]): string => {
    const { segments, path } = parseVirtualPath(input, op);
    const full = [...view.base, ...segments];
    const grantPath = canonical(full);
    uses.push({ access, name: `/${full.join("/")}` });
    const flag = access === "write" ? "write" : "read";
    // Invariant 2: deny first.
    const denies = access === "write" ? rules.denyWrite : rules.denyRead;
    const denied = denies.find((d) => pathCovers(d, grantPath));
    if (denied !== undefined) {
      throw new CellError(
        "POLICY_RULE_DENIED",
        `Denied: ${op} ${JSON.stringify(path)}: it is under the deny entry --deny-${flag}=${flagValue(denied)}, and deny wins over allow.`,
      );
    }
    if (access === "write" && view.readOnly) {
      throw new CellError(
        "FS_DENIED_READ_ONLY",
        `Denied: ${op} ${JSON.stringify(path)}: this capability was made read-only with readOnly().`,
      );
    }
    // Invariant 1.
    const allowed =
      access === "write"
        ? rules.write.some((w) => pathCovers(w, grantPath))
        : readable.some(
            (r) => pathCovers(r, grantPath) || (access === "list" && pathCovers(grantPath, r)),
          );
    if (!allowed) {
      throw new CellError(
        "POLICY_FS_DENIED",
        `Denied: ${op} ${JSON.stringify(path)} (${access === "write" ? "write" : "read"} access was not granted). Run again with --allow-${flag}=${flagValue(grantPath)}.`,
      );
    }
    return `/${full.slice(view.under.length).join("/")}`;
  };

  const target = (access: Access): DirCap => {
    const cap = access === "write" ? view.writeCap : view.readCap;
    // Unreachable while invariant 1 holds (a check passed, so some grant exists); kept as a wall.
    if (cap === undefined)
      throw new CellError("POLICY_FS_DENIED", "Denied: nothing of this kind was granted.");
    return cap;
  };

  /**
   * Invariant 5: a denial for want of a grant goes to `ask` first; what it
   * allows is reached through a capability filtered to exactly that path.
   */
  const checkOrAsk = async (
    access: Access,
    op: string,
    path: unknown,
    uses: AccessUse[],
  ): Promise<{ cap: DirCap; p: string }> => {
    try {
      const p = check(access, op, path, uses);
      return { cap: target(access), p };
    } catch (error) {
      if (prompts === undefined || !view.promptable || !isCellError(error, "POLICY_FS_DENIED"))
        throw error;
      const flag = access === "write" ? "write" : "read";
      const full = [...view.base, ...parseVirtualPath(path, op).segments];
      const grantPath = canonical(full);
      const key = `${flag} ${grantPath}`;
      const granted = prompts.always[flag].some((g) => pathCovers(g, grantPath));
      if (!granted) {
        if (prompts.denied.has(key)) throw error;
        const answer = await prompts.ask(harden({ access: flag, target: grantPath }));
        if (answer === "deny") {
          prompts.denied.add(key);
          throw error;
        }
        if (answer === "always") prompts.always[flag].push(grantPath);
      }
      const base = flag === "write" ? prompts.root : prompts.root.readOnly();
      return { cap: base.filter(globsOf([grantPath])), p: `/${full.join("/")}` };
    }
  };

  const one = <T>(
    access: Access,
    op: string,
    path: unknown,
    args: readonly unknown[],
    run: (cap: DirCap, p: string) => Promise<T>,
  ): Promise<T> => {
    const uses: AccessUse[] = [];
    return record(
      op,
      args,
      () => uses,
      async () => {
        const { cap, p } = await checkOrAsk(access, op, path, uses);
        return run(cap, p);
      },
    );
  };

  const narrowed = (changes: Partial<View>): DirCap =>
    makeView({ ...view, ...changes }, rules, record, prompts);

  return harden({
    readFile: ((path: string, options?: { encoding?: "utf8" | "utf-8" }) =>
      one("read", "readFile", path, [path, options], (cap, p) =>
        options === undefined ? cap.readFile(p) : cap.readFile(p, options),
      )) as DirCap["readFile"],
    writeFile: (path: string, data: string | Uint8Array) =>
      one("write", "writeFile", path, [path, data], (cap, p) => cap.writeFile(p, data)),
    appendFile: (path: string, data: string | Uint8Array) =>
      one("write", "appendFile", path, [path, data], (cap, p) => cap.appendFile(p, data)),
    readdir: (path: string) => one("list", "readdir", path, [path], (cap, p) => cap.readdir(p)),
    stat: (path: string) => one("list", "stat", path, [path], (cap, p) => cap.stat(p)),
    lstat: (path: string) => one("list", "lstat", path, [path], (cap, p) => cap.lstat(p)),
    mkdir: (path: string, options?: { recursive?: boolean }) =>
      one("write", "mkdir", path, [path, options], (cap, p) => cap.mkdir(p, options)),
    rm: (path: string, options?: { recursive?: boolean; force?: boolean }) =>
      one("write", "rm", path, [path, options], (cap, p) => cap.rm(p, options)),
    openRead: (path: string, options?: { chunkSize?: number }) =>
      one("read", "openRead", path, [path, options], (cap, p) => cap.openRead(p, options)),
    openWrite: (path: string, options?: { append?: boolean }) =>
      one("write", "openWrite", path, [path, options], (cap, p) => cap.openWrite(p, options)),
    rename(from: string, to: string) {
      const uses: AccessUse[] = [];
      return record(
        "rename",
        [from, to],
        () => uses,
        async () => {
          const a = check("write", "rename", from, uses);
          const b = check("write", "rename", to, uses);
          return target("write").rename(a, b);
        },
      );
    },
    copy(from: string, to: string) {
      const uses: AccessUse[] = [];
      return record(
        "copy",
        [from, to],
        () => uses,
        async () => {
          const a = check("read", "copy", from, uses);
          const b = check("write", "copy", to, uses);
          // Copy inside the write grant when the source is there too; else read, then write.
          if (
            rules.write.some((w) =>
              pathCovers(w, canonical([...view.under, ...a.split("/").filter(Boolean)])),
            )
          ) {
            return target("write").copy(a, b);
          }
          return target("write").writeFile(b, await target("read").readFile(a));
        },
      );
    },
    sub(path: string): DirCap {
      const { segments } = parseVirtualPath(path, "sub");
      return narrowed({ base: [...view.base, ...segments] });
    },
    readOnly(): DirCap {
      return narrowed({ readOnly: true });
    },
    withQuota(quota: FsQuota): DirCap {
      return narrowed({ writeCap: view.writeCap?.withQuota(quota), promptable: false });
    },
    filter(globs: string | readonly string[]): DirCap {
      // Filters apply relative to the cell's root: re-root the underlying caps there.
      const rel = `/${view.base.slice(view.under.length).join("/")}`;
      const reroot = (cap: DirCap | undefined): DirCap | undefined => {
        if (cap === undefined) return undefined;
        try {
          return (rel === "/" ? cap : cap.sub(rel)).filter(globs);
        } catch {
          // That capability sees nothing below the new root: nothing of its kind is left.
          return undefined;
        }
      };
      return narrowed({
        under: view.base,
        readCap: reroot(view.readCap),
        writeCap: reroot(view.writeCap),
        promptable: false,
      });
    },
  });
};
