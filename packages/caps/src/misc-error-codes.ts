/**
 * The error codes of the environment, clock, randomness, stdio, console,
 * timer and subprocess capabilities and of the generic attenuators, with
 * cause and mitigation for the docs site.
 *
 * Invariants:
 * 1. Every error these capabilities throw is a `CellError` whose code is a key
 *    of {@link miscErrorCodes} (or the shared `REVOKED`).
 * 2. Messages quote only what the cell supplied or the names the host chose
 *    (variable names, capability names, method names); never a host path.
 *
 * It does not decide policy; the capability files do.
 */

/**
 * Codes of the environment, clock, randomness, stdio, console, timer and
 * subprocess capabilities and of the attenuators.
 *
 * @example
 * ```ts
 * try {
 *   env.get("HOME");
 * } catch (err) {
 *   if ((err as CellError).code === "ENV_DENIED") console.log(miscErrorCodes.ENV_DENIED.mitigation);
 * }
 * ```
 */
export const miscErrorCodes = {
  ENV_DENIED: {
    cause: "The cell read an environment variable that is not in the grant's allow list.",
    mitigation:
      "Add the variable to `makeEnvCap(..., { allow: [...] })` or run with `--allow-env=NAME`.",
  },
  ENV_READ_ONLY: {
    cause: "The cell tried to set, define or delete a property of the `process.env` facade.",
    mitigation:
      "The environment is a read-only snapshot; keep mutable settings in the cell's own objects.",
  },
  ENV_INVALID_NAME: {
    cause: "An environment variable name was not a string.",
    mitigation: "Pass variable names as string primitives.",
  },
  CLOCK_INVALID_OPTION: {
    cause: "The host passed `coarsenMs` that is not a positive finite number.",
    mitigation: "Use a positive number of milliseconds, or omit it for full resolution.",
  },
  RANDOM_INVALID_ARRAY: {
    cause: "`getRandomValues` was given something other than an integer typed array.",
    mitigation:
      "Pass a Uint8Array, Int8Array, Uint8ClampedArray, (U)Int16Array, (U)Int32Array or Big(U)Int64Array.",
  },
  RANDOM_TOO_LARGE: {
    cause: "`getRandomValues` was asked for more than 65536 bytes at once (the WebCrypto limit).",
    mitigation: "Fill the array in chunks of at most 65536 bytes.",
  },
  STDIO_INVALID_STREAM: {
    cause: '`write` was called with a stream other than "stdout" or "stderr".',
    mitigation: 'Write to "stdout" or "stderr".',
  },
  STDIO_INVALID_DATA: {
    cause: "`write` was given data that is neither a string nor a Uint8Array.",
    mitigation: "Convert the value to a string (or bytes) before writing it.",
  },
  CONSOLE_NOT_SUPPORTED: {
    cause:
      "The cell called a `console` member the facade does not provide (for example `time`, which needs a clock).",
    mitigation:
      "Use `console.log`/`info`/`warn`/`error`/`debug`; grant a clock capability for timing.",
  },
  TIMERS_LIMIT: {
    cause: "The cell has as many pending timers as the grant allows (`maxPending`).",
    mitigation: "Clear timers that are no longer needed, or raise `maxPending` in `makeTimers`.",
  },
  TIMERS_INVALID_CALLBACK: {
    cause: "A timer was given something other than a function (strings are never evaluated).",
    mitigation: "Pass a function.",
  },
  SUBPROCESS_ARG_DENIED: {
    cause:
      "The arguments do not match the patterns the host granted for this program (count, type or a full-match pattern).",
    mitigation:
      "Pass exactly the arguments the grant allows, or ask the host to widen the argument patterns.",
  },
  SUBPROCESS_LIMIT: {
    cause:
      "The cell started more concurrent runs of the program than the grant allows (`maxConcurrent`).",
    mitigation: "Wait for a run to finish, or raise `maxConcurrent` in `makeSubprocessCap`.",
  },
  SUBPROCESS_FAILED: {
    cause: "The granted program could not be started.",
    mitigation: "The host should check that the configured executable exists and is executable.",
  },
  SUBPROCESS_INVALID_OPTION: {
    cause:
      "The host configured a subprocess capability with invalid options (relative executable or cwd, bad limits, non-string env).",
    mitigation: "Use absolute paths, positive limits and string environment values.",
  },
  ATTENUATE_INVALID_TARGET: {
    cause:
      "An attenuator was given something that is not an object of methods, or reading its methods threw.",
    mitigation: "Attenuate a capability (a hardened object whose own properties are methods).",
  },
  ATTENUATE_INVALID_OPTION: {
    cause:
      "An attenuator was given a limit that is not a non-negative number (or an invalid method list).",
    mitigation: "Pass finite, non-negative limits and an array of method names.",
  },
  ATTENUATE_WIDEN_DENIED: {
    cause:
      "`allowMethods` named a method the capability does not have (perhaps an earlier attenuator hid it); attenuation only narrows.",
    mitigation:
      "Allow only methods the capability still has; ask for a wider grant from its source instead.",
  },
  QUOTA_EXCEEDED: {
    cause: "A call quota (`callQuota`) or byte quota (`byteQuota`) is used up.",
    mitigation: "Grant a larger quota, or a fresh capability.",
  },
  RATE_LIMITED: {
    cause: "More calls than `rateLimit` allows arrived within its window.",
    mitigation: "Call less often (wait for the window to pass) or grant a higher rate.",
  },
  EXPIRED: {
    cause: "The capability was used after the time `expiresAt` set.",
    mitigation: "Ask the host for a fresh grant.",
  },
  USES_EXHAUSTED: {
    cause: "A capability made with `useTimes` has been used the allowed number of times.",
    mitigation: "Ask the host for a fresh grant.",
  },
  CAPS_NOT_LOCKED_DOWN: {
    cause:
      "`@padded-cell/caps` was imported in a realm that SES has not locked down and cannot lock down (neither `harden` nor `lockdown` exists): capabilities are hardened objects.",
    mitigation:
      'Import `@padded-cell/host` before `@padded-cell/caps` (it locks the realm down as it loads), or `import "ses"` and call `lockdown()` before making capabilities.',
  },
  CAPS_REVOKE_TIMEOUT: {
    cause:
      "A grant or cell was revoked, but operations it had started (a write, a child, a request) did not finish within the drain time, so the host cannot be told that nothing lands afterwards.",
    mitigation:
      "Look for a stuck file system or peer; raise the drain time if long operations are expected. The grant stays revoked either way.",
  },
} as const;

/** A code of {@link miscErrorCodes}. */
export type MiscErrorCode = keyof typeof miscErrorCodes;
