/**
 * The error codes of the host's cell layer, with cause and mitigation.
 * The docs site's Error codes page is generated from this table.
 */

/**
 * Every code the cell layer throws.
 *
 * @example
 * ```ts
 * console.log(hostErrorCodes.CELL_BAD_OPTIONS.mitigation);
 * ```
 */
export const hostErrorCodes = {
  CELL_BAD_OPTIONS: {
    cause:
      "createCell received options it cannot use: a missing or malformed name, grants, root or limits.",
    mitigation: "Fix the option named in the message; every option is documented on CellOptions.",
  },
  CELL_CLOCK_NOT_GRANTED: {
    cause:
      'A cell created with `ambient: "deny"` read the time (`Date.now()`, `new Date()`, `Intl.DateTimeFormat#format()` without a date) and holds no clock grant.',
    mitigation:
      'Grant a clock (`makeClockCap()`, coarsened if you like), or create the cell with `ambient: "deterministic"` to let the clock read 0.',
  },
  CELL_RANDOM_NOT_GRANTED: {
    cause:
      'A cell created with `ambient: "deny"` called `Math.random()` and holds no randomness grant.',
    mitigation:
      'Grant randomness (`makeRandomCap()`), or create the cell with `ambient: "deterministic"` for a fixed sequence.',
  },
  CELL_NO_ROOT: {
    cause:
      "The cell was asked to import a module but was created without a plugin folder (`root`).",
    mitigation: "Pass `root` (the plugin's folder, with its package.json) to createCell.",
  },
  CELL_ESCALATION: {
    cause:
      "A cell tried to give a sub-cell something that is not a capability it holds (a path, a host name, a grant name), which would widen its rights.",
    mitigation:
      "Pass on only capabilities the cell holds, attenuated if needed (for example caps.fs.sub('data').readOnly()).",
  },
  CELL_UNKNOWN_GRANT: {
    cause: "revokeGrant named a grant the cell does not have.",
    mitigation: "Use one of the names given in createCell's `grants`.",
  },
  CHANNEL_FULL: {
    cause: "A channel end already holds the maximum number of unread messages.",
    mitigation:
      "The receiving cell must receive() messages; or create the channel with a larger capacity.",
  },
} as const;

/** A code of {@link hostErrorCodes}. */
export type HostErrorCode = keyof typeof hostErrorCodes;
