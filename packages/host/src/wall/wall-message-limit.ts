/**
 * The bound on one message a wall sends to the host.
 *
 * Class closed: a cell that hands the host a value so large that receiving
 * it exhausts the host's heap (a huge string, array or result sent back,
 * a giant console line). The host never allocates more than about
 * `MAX_WALL_MESSAGE_BYTES` for one message from a wall.
 *
 * Invariants:
 * 1. The wall's runtime measures each message before it posts it; a message
 *    over the bound is not sent: the runtime exits with
 *    `MESSAGE_LIMIT_EXIT_CODE`, and the host reports `CELL_MESSAGE_LIMIT`.
 * 2. A process wall's host side bounds again, by counting frame bytes as
 *    they arrive (wall-frame.ts), so a subverted runtime cannot get past it.
 *    A worker shares the host's process (a subverted worker runtime could
 *    abort it anyway), so there the runtime's measure is the bound.
 * 3. Measuring stops as soon as the bound is passed: it costs at most the
 *    bound, whatever the message.
 *
 * It does not bound how many messages a wall sends (see the call-flood
 * bound), nor messages from the host to a wall (the host is trusted).
 */

/** Largest message a wall may send to the host, in bytes (16 MiB). */
export const MAX_WALL_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Exit code of a wall's runtime that refused to send an oversized message. */
export const MESSAGE_LIMIT_EXIT_CODE = 75;

/**
 * An upper estimate of the bytes `msg` takes on the wire, or `Infinity` as
 * soon as it passes `bound` (strings count 3 bytes per UTF-16 unit at most;
 * numbers 8; bytes their length; keys like strings).
 *
 * @example
 * ```ts
 * if (measureWallMessage(msg, MAX_WALL_MESSAGE_BYTES) > MAX_WALL_MESSAGE_BYTES) exitForMessageLimit();
 * ```
 */
export const measureWallMessage = (msg: unknown, bound: number): number => {
  let total = 0;
  const stack: unknown[] = [msg];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += v.length * 3 + 2;
    else if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (v instanceof ArrayBuffer) total += v.byteLength;
    else if (typeof v === "object" && v !== null) {
      total += 2;
      for (const key of Object.keys(v)) {
        total += key.length * 3 + 4;
        stack.push((v as Record<string, unknown>)[key]);
        if (total > bound) return Infinity;
      }
    } else total += 8;
    if (total > bound) return Infinity;
  }
  return total;
};
