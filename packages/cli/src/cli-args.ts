/**
 * Parses the `padded-cell` command line. Flags that grant take their value
 * only after `=` (`--allow-read=./docs`; a bare `--allow-read` means "all"),
 * so a bare flag can never swallow the entry that follows it; flags that
 * need a value also accept it as the next word (`--policy p.json`).
 *
 * Invariants:
 * 1. Every flag is known; anything else is a `CLI_USAGE` error naming it,
 *    and the nearest known flag when one is close (did you mean).
 * 2. Values are split on commas and kept as text; their meaning is checked
 *    where they are used (paths against the working directory, sizes and
 *    durations by `policy-units.ts`).
 *
 * It does not touch the file system.
 */
import { CellError } from "@padded-cell/membrane";

/** Grant kinds that have `--allow-*` / `--deny-*` flags. */
export type GrantFlagKind = "read" | "write" | "net" | "env" | "run";

/** One kind's flags: absent, everything (bare flag), or a list. */
export type GrantFlag =
  { readonly all: true } | { readonly all: false; readonly values: readonly string[] };

/** A parsed `run` command. */
export interface RunArgs {
  readonly command: "run";
  readonly entry: string;
  readonly allow: Partial<Record<GrantFlagKind, GrantFlag>>;
  readonly deny: Partial<Record<GrantFlagKind, GrantFlag>>;
  readonly policy?: string;
  /** `true` for the default file. */
  readonly audit?: string | true;
  readonly isolation?: string;
  readonly memory?: string;
  readonly cpu?: string;
  readonly timeout?: string;
  readonly maxOutput?: string;
  /** `--allow-import` values (`true`: every dependency of the plugin). */
  readonly imports?: readonly string[] | true;
  /** `--allow-all`: read, write, net, env and every dependency, for trusted code. */
  readonly allowAll?: true;
  /** `--verbose`: a failing plugin's error with its cell-relative stack. */
  readonly verbose?: true;
  /** `--no-prompt`: never ask on a terminal; refuse what is not granted. */
  readonly noPrompt?: true;
}

/** A parsed command. */
export type CliArgs =
  | RunArgs
  | { readonly command: "help"; readonly topic?: string }
  | { readonly command: "version" }
  | { readonly command: "doctor" }
  | { readonly command: "policy-generate"; readonly audit: string; readonly name?: string }
  | { readonly command: "policy-check"; readonly file: string };

const usage = (message: string): CellError =>
  new CellError("CLI_USAGE", `${message} Run padded-cell --help for usage.`);

const GRANT_KINDS: readonly GrantFlagKind[] = ["read", "write", "net", "env", "run"];
const VALUE_FLAGS = ["policy", "isolation", "memory", "cpu", "timeout", "max-output"] as const;

interface Token {
  readonly flag: string;
  readonly value: string | undefined;
}

const splitFlag = (arg: string): Token => {
  const eq = arg.indexOf("=");
  return eq === -1
    ? { flag: arg.slice(2), value: undefined }
    : { flag: arg.slice(2, eq), value: arg.slice(eq + 1) };
};

const show = (text: string): string => JSON.stringify(text.slice(0, 60));

/** Every flag `run` accepts, for did-you-mean. */
const RUN_FLAGS: readonly string[] = [
  ...GRANT_KINDS.flatMap((k) => [`allow-${k}`, `deny-${k}`]),
  "allow-import",
  "allow-all",
  "audit",
  "verbose",
  "no-prompt",
  "help",
  ...VALUE_FLAGS,
];

/** Edit distance, bounded: flags are short. */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + cost,
      );
    }
    row = next;
  }
  return row[b.length] as number;
};

const unknownFlag = (arg: string): CellError => {
  const name = arg.replace(/^-+/, "").split("=")[0] ?? "";
  const near = RUN_FLAGS.map((f) => ({ f, d: distance(name.slice(0, 40), f) }))
    .filter(({ f, d }) => d <= Math.max(2, Math.floor(f.length / 4)))
    .sort((x, y) => x.d - y.d)[0];
  return usage(
    `Unknown flag ${show(arg)}.${near === undefined ? "" : ` Did you mean --${near.f}?`}`,
  );
};

const addGrant = (
  into: Partial<Record<GrantFlagKind, GrantFlag>>,
  kind: GrantFlagKind,
  value: string | undefined,
): void => {
  const before = into[kind];
  if (value === undefined) {
    into[kind] = { all: true };
    return;
  }
  const values = value.split(",").filter((v) => v !== "");
  if (values.length === 0) throw usage(`--${kind} needs a value after "=", or no "=" at all.`);
  if (before?.all === true) return;
  into[kind] = { all: false, values: [...(before?.values ?? []), ...values] };
};

const parseRun = (rest: readonly string[]): CliArgs => {
  const allow: Partial<Record<GrantFlagKind, GrantFlag>> = {};
  const deny: Partial<Record<GrantFlagKind, GrantFlag>> = {};
  const values: Record<string, string> = {};
  let audit: string | true | undefined;
  let imports: string[] | true | undefined;
  let allowAll = false;
  let verbose = false;
  let noPrompt = false;
  let entry: string | undefined;
  let onlyPositional = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (onlyPositional || !arg.startsWith("--")) {
      if (arg === "-A" && !onlyPositional) {
        allowAll = true;
        continue;
      }
      if (arg.startsWith("-") && !onlyPositional && arg !== "-") throw unknownFlag(arg);
      if (entry !== undefined) throw usage(`One entry module only; ${show(arg)} is extra.`);
      entry = arg;
      continue;
    }
    if (arg === "--") {
      onlyPositional = true;
      continue;
    }
    const { flag, value } = splitFlag(arg);
    if (flag === "help") return { command: "help", topic: "run" };
    if (flag === "allow-all" || flag === "verbose" || flag === "no-prompt") {
      if (value !== undefined) throw usage(`--${flag} takes no value.`);
      if (flag === "verbose") verbose = true;
      else if (flag === "no-prompt") noPrompt = true;
      else allowAll = true;
      continue;
    }
    if (flag === "allow-import") {
      if (value === undefined) imports = true;
      else {
        const names = value.split(",").filter((v) => v !== "");
        if (names.length === 0) throw usage(`--allow-import needs a package name after "=".`);
        if (imports !== true) imports = [...(imports ?? []), ...names];
      }
      continue;
    }
    const grant = /^(allow|deny)-(.+)$/.exec(flag);
    if (grant !== null && GRANT_KINDS.includes(grant[2] as GrantFlagKind)) {
      const kind = grant[2] as GrantFlagKind;
      if (kind === "run" && value === undefined)
        throw usage(`--${flag} needs a program name: --${flag}=git (there is no "run anything").`);
      addGrant(grant[1] === "allow" ? allow : deny, kind, value);
      continue;
    }
    if (flag === "audit") {
      if (value === "") throw usage("--audit= needs a file name.");
      audit = value ?? true;
      continue;
    }
    if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      let v = value;
      if (v === undefined) {
        v = rest[i + 1];
        i += 1;
      }
      if (v === undefined || v === "") throw usage(`--${flag} needs a value.`);
      if (values[flag] !== undefined) throw usage(`--${flag} is given twice.`);
      values[flag] = v;
      continue;
    }
    throw unknownFlag(arg);
  }
  if (entry === undefined)
    throw usage("padded-cell run needs an entry module: padded-cell run ./plugin/index.js.");
  const isolation = values.isolation;
  if (
    isolation !== undefined &&
    !["compartment", "worker", "process", "jail"].includes(isolation)
  ) {
    throw usage(
      `--isolation must be compartment, worker, process or jail, not ${show(isolation)}.`,
    );
  }
  const opt = (k: string, v: string | undefined) => (v === undefined ? {} : { [k]: v });
  return {
    command: "run",
    entry,
    allow,
    deny,
    ...opt("policy", values.policy),
    ...(audit === undefined ? {} : { audit }),
    ...opt("isolation", isolation),
    ...opt("memory", values.memory),
    ...opt("cpu", values.cpu),
    ...opt("timeout", values.timeout),
    ...opt("maxOutput", values["max-output"]),
    ...(imports === undefined ? {} : { imports }),
    ...(allowAll ? { allowAll: true } : {}),
    ...(verbose ? { verbose: true } : {}),
    ...(noPrompt ? { noPrompt: true } : {}),
  } as RunArgs;
};

const parsePolicy = (rest: readonly string[]): CliArgs => {
  const [sub, ...more] = rest;
  if (sub === "check") {
    if (more.length !== 1 || (more[0] as string).startsWith("--"))
      throw usage("padded-cell policy check takes one policy file.");
    return { command: "policy-check", file: more[0] as string };
  }
  if (sub !== "generate")
    throw usage(`Unknown policy command ${show(sub ?? "")}: use generate or check.`);
  let audit: string | undefined;
  let name: string | undefined;
  for (let i = 0; i < more.length; i++) {
    const { flag, value } = splitFlag(more[i] as string);
    if (!(more[i] as string).startsWith("--") || (flag !== "audit" && flag !== "name")) {
      if (flag === "help") return { command: "help", topic: "policy" };
      throw usage(`Unknown argument ${show(more[i] as string)} for policy generate.`);
    }
    let v = value;
    if (v === undefined) {
      v = more[i + 1];
      i += 1;
    }
    if (v === undefined || v === "") throw usage(`--${flag} needs a value.`);
    if (flag === "audit") audit = v;
    else name = v;
  }
  if (audit === undefined) throw usage("padded-cell policy generate needs --audit <file.jsonl>.");
  return name === undefined
    ? { command: "policy-generate", audit }
    : { command: "policy-generate", audit, name };
};

/**
 * Parses `argv` (without `node` and the script).
 *
 * @throws CellError `CLI_USAGE` naming the bad argument.
 * @example
 * ```ts
 * parseCliArgs(["run", "plugin.js", "--allow-read=./docs", "--timeout=5s"]);
 * ```
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return rest[0] === undefined ? { command: "help" } : { command: "help", topic: rest[0] };
  }
  if (command === "--version") return { command: "version" };
  if (command === "run") return parseRun(rest);
  if (command === "doctor") {
    if (rest.length > 0) throw usage(`doctor takes no arguments, not ${show(rest[0] ?? "")}.`);
    return { command: "doctor" };
  }
  if (command === "policy") return parsePolicy(rest);
  throw usage(`Unknown command ${show(command)}: use run, policy or doctor.`);
}
