/**
 * The error codes of policy files, plugin manifests and the `padded-cell`
 * command line, with cause and mitigation. The docs site's Error codes page
 * is generated from this table.
 *
 * Invariants:
 * 1. Every code thrown by `policy-*`, `manifest-*` and `cli-*` files is a key
 *    of this table; a denial code ends in `_DENIED` so audit records count it
 *    as a denial.
 *
 * It does not throw anything itself.
 */

/**
 * Every code the policy layer and the CLI throw.
 *
 * @example
 * ```ts
 * console.log(policyErrorCodes.POLICY_INVALID.mitigation);
 * ```
 */
export const policyErrorCodes = {
  POLICY_INVALID: {
    cause:
      "A policy file is not JSON, or does not match policy.schema.json. The message names the file, the field (a JSON pointer) and what was expected there.",
    mitigation:
      'Fix the named field; add `"$schema"` pointing at policy.schema.json to get the same checks in your editor.',
  },
  MANIFEST_INVALID: {
    cause:
      "A plugin manifest (the `paddedCell` field of package.json, or padded-cell.json) is not JSON or does not match manifest.schema.json.",
    mitigation:
      "Fix the named field of the manifest; the message names file, field and expectation.",
  },
  POLICY_FS_DENIED: {
    cause:
      "The cell read or wrote a path that no grant covers (`--allow-read` / `--allow-write`, or `fs.read` / `fs.write` in a policy).",
    mitigation:
      "Grant the path the message names (the flag is quoted in the message), or change the plugin not to use it.",
  },
  POLICY_RUN_DENIED: {
    cause:
      "The cell asked to run a program that is not granted (`--allow-run` / `run` in a policy).",
    mitigation: "Grant the program by name with --allow-run=<program>.",
  },
  POLICY_RULE_DENIED: {
    cause:
      "The cell used a path, variable or program that a deny entry (`--deny-*`, or `deny` in a policy) names. Deny wins over allow.",
    mitigation:
      "Remove the deny entry if the plugin should have this; otherwise the denial is working.",
  },
  CLI_USAGE: {
    cause:
      "The command line is wrong: an unknown flag, a malformed value, a missing entry, or a grant that cannot be expressed (a path outside the working directory).",
    mitigation: "Run `padded-cell --help`; the message names the flag at fault.",
  },
} as const;

/** A code of {@link policyErrorCodes}. */
export type PolicyErrorCode = keyof typeof policyErrorCodes;
