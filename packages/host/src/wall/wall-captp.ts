/**
 * Endo's CapTP, typed for the walls: @endo/captp 4.5 ships no type
 * declarations, so this module gives the part the walls use a type.
 *
 * Invariants:
 * 1. This is the only module that imports @endo/captp untyped; the rest of
 *    the walls see the narrow type below.
 *
 * It adds no behaviour.
 */
// @ts-expect-error -- @endo/captp ships JavaScript without declarations.
import { makeCapTP as untypedMakeCapTP } from "@endo/captp";

/** One end of a CapTP connection. */
export interface CapTPConnection {
  /** Feeds one message from the other side; false when it was refused. */
  readonly dispatch: (msg: Record<string, unknown>) => boolean;
  /** Disconnects: every pending question rejects with `reason`. */
  readonly abort: (reason?: unknown) => void;
  /** The other side's bootstrap object. */
  readonly getBootstrap: () => Promise<unknown>;
}

/**
 * Makes one end of a CapTP connection (see @endo/captp).
 *
 * @example
 * ```ts
 * const captp = makeCapTP("host", (msg) => port.postMessage(msg), bootstrap, { onReject: () => {} });
 * ```
 */
export const makeCapTP = untypedMakeCapTP as (
  ourId: string,
  rawSend: (msg: unknown) => void,
  bootstrapObj?: unknown,
  opts?: { readonly onReject?: (err: unknown) => void },
) => CapTPConnection;
