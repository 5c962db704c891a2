/**
 * Policy files: the host's decision, by plugin name, of what each plugin may
 * use (the same vocabulary as the CLI flags), what it is refused (deny wins),
 * its limits and its isolation. Validated against schemas/policy.schema.json.
 *
 * Invariants:
 * 1. A policy is used only after it validated completely; any error names
 *    the file as the user named it, the field (JSON pointer) and what was
 *    expected (`POLICY_INVALID`).
 * 2. A plugin the policy does not name gets nothing from it (default deny).
 * 3. Paths are resolved against the working directory and must stay inside
 *    it; one that does not is an invalid field, not a silent widening.
 *
 * It does not make capabilities (see `policy-caps.ts`).
 */
import { readFileSync } from "node:fs";
import { CellError } from "@padded-cell/membrane";
import type { CellLimits, Isolation } from "../cell/cell-types.js";
import { emptyGrants, grantSet, type GrantSet, type GrantSetInput } from "./policy-grant-set.js";
import { checkAgainstSchema, schemaError, type SchemaKind } from "./policy-schema-check.js";
import { parseDuration, parseSize } from "./policy-units.js";

/** A policy file as written (after validation). */
export interface PolicyDocument {
  /** Per plugin name. */
  readonly plugins: Readonly<Record<string, PluginPolicyInput>>;
}

/** One plugin's entry as written. */
export interface PluginPolicyInput extends GrantSetInput {
  /** Entries refused even if allowed. */
  readonly deny?: Omit<GrantSetInput, "imports">;
  /** `memory`, `cpu`, `timeout`, `maxOutput` as `64mb` / `2s`. */
  readonly limits?: {
    readonly memory?: string;
    readonly cpu?: string;
    readonly timeout?: string;
    readonly maxOutput?: string;
  };
  /** Where the plugin runs. */
  readonly isolation?: Isolation;
}

/** One plugin's policy, resolved. */
export interface PluginPolicy {
  /** What it may use. */
  readonly allow: GrantSet;
  /** What it is refused (deny wins). */
  readonly deny: GrantSet;
  /** Its limits (`wallMs` is the timeout). */
  readonly limits: CellLimits;
  /** Where it runs, if the policy says. */
  readonly isolation?: Isolation;
}

/**
 * Parses and validates the text of a JSON document against a schema;
 * `label` is the file as the user named it.
 *
 * @example
 * ```ts
 * const doc = parseJsonDocument<PolicyDocument>("policy", text, "./policy.json");
 * ```
 */
export function parseJsonDocument<T>(kind: SchemaKind, text: string, label: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message.slice(0, 120) : "unreadable";
    throw schemaError(kind, label, "", `JSON (${detail})`);
  }
  return checkAgainstSchema<T>(kind, value, label);
}

/**
 * Reads and validates a policy file.
 *
 * @param path - host path of the file.
 * @param label - the file as the user named it, for messages (default: `path`).
 * @example
 * ```ts
 * const policy = readPolicyFile("./padded-cell.policy.json");
 * const entry = pluginPolicy(policy, "markdown", process.cwd(), "./padded-cell.policy.json");
 * ```
 */
export function readPolicyFile(path: string, label: string = path): PolicyDocument {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw schemaError(
      "policy",
      label,
      "",
      `a readable file (${typeof code === "string" ? code : "read failed"})`,
    );
  }
  return parseJsonDocument<PolicyDocument>("policy", text, label);
}

const pointerKey = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** Resolves paths of a grant set, reporting a bad one as a field of the file (invariant 3). */
const resolveGrants = (input: GrantSetInput, cwd: string, label: string, at: string): GrantSet => {
  for (const access of ["read", "write"] as const) {
    const list = input.fs?.[access] ?? [];
    for (const [i, path] of list.entries()) {
      try {
        grantSet({ fs: { [access]: [path] } }, cwd);
      } catch (error) {
        if (!(error instanceof CellError)) throw error;
        throw schemaError(
          "policy",
          label,
          `${at}/fs/${access}/${i}`,
          "a path inside the working directory (the cell's /)",
        );
      }
    }
  }
  return grantSet(input, cwd);
};

/**
 * The policy for one plugin, with paths resolved against `cwd`; a plugin the
 * policy does not name gets empty grants (invariant 2).
 *
 * @example
 * ```ts
 * const { allow, deny, limits } = pluginPolicy(readPolicyFile("p.json"), "md", process.cwd(), "p.json");
 * ```
 */
export function pluginPolicy(
  policy: PolicyDocument,
  name: string,
  cwd: string,
  label: string,
): PluginPolicy {
  const entry = Object.hasOwn(policy.plugins, name) ? policy.plugins[name] : undefined;
  if (entry === undefined) return harden({ allow: emptyGrants(), deny: emptyGrants(), limits: {} });
  const at = `/plugins/${pointerKey(name)}`;
  const limits: { memoryMb?: number; cpuMs?: number; wallMs?: number; maxOutputBytes?: number } =
    {};
  const l = entry.limits ?? {};
  // A limit that parses to nothing usable (0mb, too large) is an invalid field, not "no limit".
  const limit = (
    key: keyof NonNullable<PluginPolicyInput["limits"]>,
    parse: (t: string) => number,
  ) => {
    const text = l[key];
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch {
      throw schemaError(
        "policy",
        label,
        `${at}/limits/${key}`,
        "a positive size or duration within bounds",
      );
    }
  };
  const memory = limit("memory", parseSize);
  const cpu = limit("cpu", parseDuration);
  const timeout = limit("timeout", parseDuration);
  const maxOutput = limit("maxOutput", parseSize);
  if (memory !== undefined) limits.memoryMb = Math.ceil(memory / 2 ** 20);
  if (cpu !== undefined) limits.cpuMs = cpu;
  if (timeout !== undefined) limits.wallMs = timeout;
  if (maxOutput !== undefined) limits.maxOutputBytes = maxOutput;
  return harden({
    allow: resolveGrants(entry, cwd, label, at),
    deny: resolveGrants(entry.deny ?? {}, cwd, label, `${at}/deny`),
    limits,
    ...(entry.isolation === undefined ? {} : { isolation: entry.isolation }),
  });
}
