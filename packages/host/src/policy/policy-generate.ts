/**
 * `policy generate`: from the access records of real runs (written by
 * `padded-cell run --audit`), the smallest policy that allows every
 * recorded call that was allowed: exactly the paths, `host:port` entries,
 * variables and programs used, nothing wider.
 *
 * Invariants:
 * 1. Only what a record names is granted: no path is widened to its
 *    directory, no port to a range, no name to `*`; network names must be
 *    concrete (one host, one port) and variable names exact, so a forged
 *    or planted record cannot widen the policy. A directory only listed
 *    (`readdir`, `stat`) is granted only if nothing granted lies inside it
 *    (listing an ancestor of a grant needs no grant of its own).
 * 2. Denied calls are left out: the run survived without them.
 * 3. Untrusted input: each line is parsed as JSON and checked field by
 *    field; the resulting policy is validated against policy.schema.json
 *    before it is returned.
 *
 * It does not add `imports` (module loading is not a capability call), nor
 * limits or isolation: add those by hand.
 */
import { CellError } from "@padded-cell/membrane";
import type { PolicyDocument, PluginPolicyInput } from "./policy-file.js";
import { grantSet, pathCovers, type GrantSetInput } from "./policy-grant-set.js";
import { checkAgainstSchema } from "./policy-schema-check.js";
import { isConcreteNetName } from "./policy-access-audit.js";

/** The result of {@link generatePolicy}. */
export interface GeneratedPolicy {
  /** The policy (valid against policy.schema.json). */
  readonly policy: PolicyDocument;
  /** Records used. */
  readonly used: number;
  /** Denied records left out. */
  readonly denied: number;
  /** Records without `uses` (for example from makeFileAuditSink), left out. */
  readonly withoutUses: number;
}

const NAME = /^[\w.@/-][\w .@/-]{0,99}$/;
const ENV = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const PROGRAM = /^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$/;

interface Lists {
  list: string[];
  read: string[];
  write: string[];
  net: string[];
  env: string[];
  run: string[];
}

const bad = (line: number, what: string): CellError =>
  new CellError("CLI_USAGE", `Audit line ${line}: ${what}.`);

/**
 * Builds the smallest policy allowing the recorded runs.
 *
 * @param text - the JSON-lines audit.
 * @param cwd - the working directory of the audited runs (paths are relative to it).
 * @param name - put every record under this plugin name (default: each record's cell).
 * @example
 * ```ts
 * const { policy } = generatePolicy(readFileSync("run.jsonl", "utf8"), process.cwd(), "md");
 * console.log(JSON.stringify(policy, null, 2));
 * ```
 */
export function generatePolicy(text: string, cwd: string, name?: string): GeneratedPolicy {
  if (name !== undefined && !NAME.test(name)) {
    throw new CellError(
      "CLI_USAGE",
      `--name ${JSON.stringify(name.slice(0, 60))} is not a valid plugin name.`,
    );
  }
  const byCell = new Map<string, Lists>();
  let used = 0;
  let denied = 0;
  let withoutUses = 0;
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch {
      throw bad(i + 1, "not JSON");
    }
    if (typeof record !== "object" || record === null || Array.isArray(record))
      throw bad(i + 1, "not a record");
    const { cell, outcome, uses } = record as { cell?: unknown; outcome?: unknown; uses?: unknown };
    if (typeof cell !== "string" || !NAME.test(cell)) throw bad(i + 1, "no valid `cell`");
    if (outcome === "denied") {
      denied += 1;
      continue;
    }
    if (outcome !== "allowed" && outcome !== "failed") throw bad(i + 1, "no valid `outcome`");
    if (!Array.isArray(uses)) {
      withoutUses += 1;
      continue;
    }
    used += 1;
    const key = name ?? cell;
    let lists = byCell.get(key);
    if (lists === undefined) {
      lists = { list: [], read: [], write: [], net: [], env: [], run: [] };
      byCell.set(key, lists);
    }
    for (const use of uses as unknown[]) {
      const { access, name: used_ } = (use ?? {}) as { access?: unknown; name?: unknown };
      if (typeof used_ !== "string") throw bad(i + 1, "a use without a name");
      if (access === "read" || access === "write" || access === "list") {
        if (!used_.startsWith("/")) throw bad(i + 1, "a path that is not a cell path");
        lists[access].push(used_ === "/" ? "." : `.${used_}`);
      } else if (access === "connect" && isConcreteNetName(used_)) lists.net.push(used_);
      else if (access === "env" && ENV.test(used_)) lists.env.push(used_);
      else if (access === "run" && PROGRAM.test(used_)) lists.run.push(used_);
      else throw bad(i + 1, "a use of an unknown kind");
    }
  }
  const plugins: Record<string, PluginPolicyInput> = {};
  for (const [cell, lists] of [...byCell].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const named = grantSet({ fs: { read: lists.read, write: lists.write } }, cwd);
    const touched = [...named.fs.read, ...named.fs.write];
    const listed = grantSet({ fs: { read: lists.list } }, cwd).fs.read.filter(
      (l) => !touched.some((t) => pathCovers(l, t)),
    );
    const set = grantSet(
      {
        fs: { read: [...lists.read, ...listed], write: lists.write },
        net: lists.net,
        env: lists.env,
        run: lists.run,
      },
      cwd,
    );
    // A path written is readable already: keep reads only where no write covers them.
    const read = set.fs.read.filter((r) => !set.fs.write.some((w) => pathCovers(w, r)));
    const entry: { -readonly [K in keyof GrantSetInput]: GrantSetInput[K] } = {};
    if (read.length > 0 || set.fs.write.length > 0) {
      entry.fs = {
        ...(read.length > 0 ? { read } : {}),
        ...(set.fs.write.length > 0 ? { write: set.fs.write } : {}),
      };
    }
    if (set.net.length > 0) entry.net = set.net;
    if (set.env.length > 0) entry.env = set.env;
    if (set.run.length > 0) entry.run = set.run;
    plugins[cell] = entry;
  }
  // Invariant 3.
  const policy = checkAgainstSchema<PolicyDocument>("policy", { plugins }, "(generated policy)");
  return harden({ policy, used, denied, withoutUses });
}
