/**
 * The error codes of `@padded-cell/membrane`, with cause and mitigation.
 * The docs site's Error codes page is generated from this table.
 */

/**
 * Every code the membrane throws.
 *
 * @example
 * ```ts
 * console.log(membraneErrorCodes.REVOKED.mitigation);
 * ```
 */
export const membraneErrorCodes = {
  REVOKED: {
    cause:
      "The reference was used after its membrane, grant or caretaker was revoked (for example, the host disabled the plugin). Calls in flight and pending promises fail the same way.",
    mitigation:
      "Nothing in the cell can restore it. The host must create a new cell or grant; a cell should treat REVOKED as final and stop.",
  },
  MEMBRANE_READ_ONLY: {
    cause:
      "The cell tried to change an object (set, define, delete, change its prototype, or call a mutating built-in such as Map.prototype.set) through a read-only view.",
    mitigation:
      "Only read through this view. If the cell needs to write, the host must grant the object without readOnly().",
  },
  MEMBRANE_HIDDEN: {
    cause:
      "The cell tried to change a property that the view's policy hides (hide, allowOnly) or replaces (substitute).",
    mitigation: "Use only the properties the view exposes, or ask the host to expose this one.",
  },
  MEMBRANE_BAD_POLICY: {
    cause:
      "The host passed something that is not a policy made by readOnly(), hide(), allowOnly(), substitute(), observe() or compose(), or gave one of them a bad argument.",
    mitigation: "Build policies only with the factories of @padded-cell/membrane.",
  },
  MEMBRANE_HOSTILE_VALUE: {
    cause:
      "The cell threw, rejected with, or fulfilled a promise with a value the host cannot examine without running the cell's code: a Proxy, a value whose `then` lookup runs code (an accessor, or a Proxy on its prototype chain), or a thenable. The value was refused, unread, and none of its code ran.",
    mitigation:
      "Throw and reject with Error objects (or plain records and primitives), and resolve promises with plain data; pass a Proxy only as an argument or a return value, where the host receives it as a view.",
  },
  MEMBRANE_NOT_LOCKED_DOWN: {
    cause: "makeMembrane was called in a realm that SES has not locked down.",
    mitigation:
      "Call lockdown() from ses (or createHost() from @padded-cell/host) before making membranes.",
  },
  MEMBRANE_BAD_ARGUMENT: {
    cause:
      "The host called makeMembrane, revocable or revoke with a name or reason that is not a string.",
    mitigation: "Pass a non-empty name (at most 200 characters) and a string reason.",
  },
} as const;
