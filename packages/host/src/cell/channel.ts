/**
 * Channels: the only way two cells talk. A channel is a pair of ends that
 * the host grants, one to each cell; data and capabilities sent on one end
 * are received on the other.
 *
 * Invariants:
 * 1. A channel is a capability like any other: a cell without an end cannot
 *    use it, and `revoke` ends it for both.
 * 2. Everything that crossed a channel crossed its own membrane, so revoking
 *    the channel also revokes every capability that was passed through it,
 *    wherever it went.
 * 3. A channel holds at most `capacity` unread messages per direction.
 */
import { CellError, RevokedError, makeMembrane } from "@padded-cell/membrane";

/** One end of a channel. */
export interface ChannelEnd {
  /** Sends a value (data or a capability) to the other end. */
  send(value: unknown): Promise<void>;
  /** Resolves to the next value sent by the other end. */
  receive(): Promise<unknown>;
}

/** A channel: two ends and the switch that revokes both. */
export interface Channel {
  /** One end; grant it to one cell. */
  readonly a: ChannelEnd;
  /** The other end; grant it to another cell. */
  readonly b: ChannelEnd;
  /** Ends the channel and revokes everything passed through it. */
  revoke(reason: string): void;
}

/**
 * Makes a channel.
 *
 * @example
 * ```ts
 * const channel = makeChannel("jobs");
 * const producer = await host.createCell({ name: "producer", grants: { jobs: channel.a } });
 * const consumer = await host.createCell({ name: "consumer", grants: { jobs: channel.b } });
 * ```
 */
export function makeChannel(name: string, capacity = 1000): Channel {
  const membrane = makeMembrane(`channel ${name}`);
  let revokedReason: string | undefined;
  type Waiter = { resolve: (value: unknown) => void; reject: (error: unknown) => void };
  const makeQueue = () => ({ values: [] as unknown[], waiting: [] as Waiter[] });
  const ab = makeQueue();
  const ba = makeQueue();

  const check = () => {
    if (revokedReason !== undefined) throw new RevokedError(`channel "${name}"`, revokedReason);
  };
  const makeEnd = (
    outgoing: ReturnType<typeof makeQueue>,
    incoming: ReturnType<typeof makeQueue>,
  ): ChannelEnd =>
    harden({
      async send(value: unknown) {
        check();
        const crossed = membrane.wrap(value);
        const waiter = outgoing.waiting.shift();
        if (waiter) return waiter.resolve(crossed);
        if (outgoing.values.length >= capacity) {
          throw new CellError(
            "CHANNEL_FULL",
            `Channel "${name}" already holds ${capacity} unread messages.`,
          );
        }
        outgoing.values.push(crossed);
      },
      receive() {
        check();
        if (incoming.values.length > 0) return Promise.resolve(incoming.values.shift());
        return new Promise((resolve, reject) => incoming.waiting.push({ resolve, reject }));
      },
    });

  return harden({
    a: makeEnd(ab, ba),
    b: makeEnd(ba, ab),
    revoke(reason: string) {
      if (revokedReason !== undefined) return;
      revokedReason = String(reason);
      membrane.revoke(revokedReason);
      const error = new RevokedError(`channel "${name}"`, revokedReason);
      for (const queue of [ab, ba]) {
        queue.values.length = 0;
        for (const waiter of queue.waiting.splice(0)) waiter.reject(error);
      }
    },
  });
}
