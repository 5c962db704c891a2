/**
 * The exit codes of the `padded-cell` command, and which errors map to which.
 *
 * Invariants:
 * 1. Every way the command can end maps to exactly one code of
 *    {@link cliExitCodes}; an error nobody classified is a crash (1), never 0.
 *
 * It does not print anything.
 */

/**
 * Exit codes of `padded-cell`, documented in `--help` and the guide.
 *
 * @example
 * ```ts
 * process.exitCode = cliExitCodes.DENIED; // 3
 * ```
 */
export const cliExitCodes = {
  /** The plugin ran to completion (or the command succeeded). */
  OK: 0,
  /** The plugin crashed: it threw, its promise rejected, or its worker or process died. */
  CRASHED: 1,
  /** Bad usage: unknown flag, bad value, missing entry, invalid policy or manifest. */
  USAGE: 2,
  /** The plugin used something it was not granted (or that a deny entry refused) and did not handle the denial. */
  DENIED: 3,
  /** A limit was exceeded: --timeout, --memory, --cpu or --max-output. */
  LIMIT: 4,
} as const;

/** One of {@link cliExitCodes}. */
export type CliExitCode = (typeof cliExitCodes)[keyof typeof cliExitCodes];

const DENIAL = /_DENIED$|^(FS_DENIED_READ_ONLY|FS_OUTSIDE_ROOT|FS_FILTERED)$/;
const LIMIT =
  /^(CELL_OUT_OF_MEMORY|CELL_CPU_EXCEEDED|CELL_TIMEOUT|CELL_OUTPUT_LIMIT|QUOTA_EXCEEDED|RATE_LIMITED|USES_EXHAUSTED|SUBPROCESS_LIMIT|TIMERS_LIMIT)$/;
const USAGE = /^(CLI_USAGE|POLICY_INVALID|MANIFEST_INVALID|CELL_BAD_OPTIONS)$/;

/**
 * The exit code for an error code (undefined: a crash).
 *
 * @example
 * ```ts
 * exitCodeFor("NET_DENIED");  // 3
 * exitCodeFor("CELL_TIMEOUT"); // 4
 * exitCodeFor(undefined);      // 1
 * ```
 */
export function exitCodeFor(code: string | undefined): CliExitCode {
  if (code === undefined) return cliExitCodes.CRASHED;
  if (USAGE.test(code)) return cliExitCodes.USAGE;
  if (DENIAL.test(code)) return cliExitCodes.DENIED;
  if (LIMIT.test(code)) return cliExitCodes.LIMIT;
  return cliExitCodes.CRASHED;
}
