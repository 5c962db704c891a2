// Attacks: hostile values a guest passes, throws or rejects towards the host
// (domain.ts invariants 4 and 5, value-brand.ts invariant 1). The classes:
// - "guest code runs while the membrane converts a guest value for the
//   host": a Proxy's traps (every trap: throwing, looping, re-entering a
//   capability, lying), a promise's `constructor`/species lookup, a `then`
//   lookup on a fulfilled value, a prototype chain that runs through a Proxy;
// - "the never-throwing conversion of a thrown value throws, and a bridged
//   promise never settles";
// - "the host holds a rejection whose reason is a guest object", which an
//   unhandled-rejection report would inspect (running guest code at exit).
//
// Every trap of every hostile value counts its runs in the guest; the host
// never touches what it receives, so any run is the membrane's doing. Loops
// are bounded (a run that gives up throws), so that the old code fails
// these tests instead of hanging them.
import { types } from "node:util";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CellError, makeMembrane } from "@padded-cell/membrane";

const TRAPS = [
  "getPrototypeOf",
  "setPrototypeOf",
  "isExtensible",
  "preventExtensions",
  "getOwnPropertyDescriptor",
  "defineProperty",
  "has",
  "get",
  "set",
  "deleteProperty",
  "ownKeys",
  "apply",
  "construct",
] as const;
const BEHAVIOURS = ["throw", "throwPrimitive", "throwProxy", "reenter", "loop", "lie"] as const;
const TARGETS = ["object", "array", "function", "error", "promise", "date"] as const;
/** How the guest hands a value over. */
const DELIVERIES = [
  "argument",
  "this",
  "returned",
  "thrown",
  "asyncThrown",
  "rejected",
  "fulfilled",
] as const;
type Delivery = (typeof DELIVERIES)[number];
interface Spec {
  readonly target: (typeof TARGETS)[number];
  readonly traps: Partial<Record<(typeof TRAPS)[number], (typeof BEHAVIOURS)[number]>>;
}

/**
 * The guest's side: a maker of hostile values whose traps count their runs
 * (`stats.ran`), and the deliveries. `armed` is false only while the guest's
 * own promise machinery resolves with a hostile value (which reads `then`
 * in the guest, as any resolution does).
 */
const GUEST = `
  const stats = { ran: 0 };
  let armed = true;
  const targets = {
    object: () => ({ a: 1 }),
    array: () => [1, 2],
    function: () => function f() { return 1; },
    error: () => new TypeError('target'),
    promise: () => Promise.resolve(1),
    date: () => new Date(0),
  };
  const make = (spec) => {
    const handler = {};
    for (const [trap, behaviour] of Object.entries(spec.traps)) {
      handler[trap] = (...args) => {
        if (!armed) return Reflect[trap](...args);
        stats.ran += 1;
        switch (behaviour) {
          case 'throw': throw new Error('trap ' + trap);
          case 'throwPrimitive': throw 'trap ' + trap;
          case 'throwProxy': throw make({ target: 'object', traps: { getPrototypeOf: 'throw', get: 'throw' } });
          case 'reenter': api.sensitive(); return Reflect[trap](...args);
          case 'loop': { let n = 0; for (;;) { n += 1; if (n > 2e7) throw new Error('gave up looping'); } }
          default:
            if (trap === 'getPrototypeOf') return Promise.prototype;
            if (trap === 'get') return (resolve, reject) => reject(make(spec));
            return Reflect[trap](...args);
        }
      };
    }
    return new Proxy(targets[spec.target](), handler);
  };
  const deliver = (delivery, value) => {
    switch (delivery) {
      case 'argument': return api.take(value);
      case 'this': return api.take.call(value);
      case 'returned': return api.callSync(() => value);
      case 'thrown': return api.callSync(() => { throw value; });
      case 'asyncThrown': return api.callAsync(async () => { throw value; });
      case 'rejected': return api.callAsync(() => Promise.reject(value));
      case 'fulfilled': {
        // Resolving reads \`then\` in the guest: disarmed for that moment only.
        armed = false;
        const fulfilled = Promise.resolve(value);
        armed = true;
        return api.callAsync(() => fulfilled);
      }
    }
  };
  ({ stats, make, deliver });
`;

interface Received {
  readonly how: string;
  readonly value: unknown;
}

const makeHost = () => {
  const received: Received[] = [];
  const pending: Promise<unknown>[] = [];
  let sensitiveCalls = 0;
  const api = {
    sensitive() {
      sensitiveCalls += 1;
    },
    take(this: unknown, ...args: unknown[]) {
      if (this !== api) received.push({ how: "this", value: this });
      received.push(...args.map((value) => ({ how: "arg", value })));
    },
    callSync(cb: () => unknown) {
      try {
        received.push({ how: "returned", value: cb() });
      } catch (error) {
        received.push({ how: "threw", value: error });
      }
    },
    callAsync(cb: () => Promise<unknown>) {
      let promise: Promise<unknown>;
      try {
        promise = cb();
      } catch (error) {
        received.push({ how: "threw", value: error });
        return;
      }
      // A bridged guest promise is a host promise: awaiting it runs no guest code.
      expect(promise).toBeInstanceOf(Promise);
      pending.push(
        promise.then(
          (value) => received.push({ how: "fulfilled", value }),
          (value) => received.push({ how: "rejected", value }),
        ),
      );
    },
  };
  return { api, received, pending, calls: () => sensitiveCalls };
};

const makeGuest = () => {
  const host = makeHost();
  const membrane = makeMembrane("hostile-values");
  const guestApi = membrane.wrap(host.api);
  const compartment = new Compartment({ globals: { api: guestApi }, __options__: true } as never);
  const guest = compartment.evaluate(GUEST) as {
    stats: { ran: number };
    make: (spec: Spec) => object;
    deliver: (delivery: Delivery, value: object) => void;
  };
  return { ...host, membrane, guest, compartment };
};

/** Settles within a few macrotask turns, or says it did not. */
const settled = async (promises: Promise<unknown>[]): Promise<boolean> => {
  let done = false;
  void Promise.all(promises).then(() => (done = true));
  for (let turn = 0; turn < 20 && !done; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done;
};

const isHostileValueError = (value: unknown): boolean =>
  value instanceof CellError && value.code === "MEMBRANE_HOSTILE_VALUE";

/** What the host may hold, by how it got it (domain.ts invariant 5). */
const checkReceived = ({ how, value }: Received): void => {
  if (how === "threw") {
    expect(isHostileValueError(value), how).toBe(true);
  } else if (how === "rejected") {
    // Never a guest object, never a view of one: the hostile value refused,
    // or (a Proxy of a promise adopted by the guest's own resolution) the
    // guest's TypeError, copied.
    expect(types.isProxy(value), how).toBe(false);
    expect(value, how).toBeInstanceOf(Error);
  } else if (how === "fulfilled") {
    throw new Error("a hostile value fulfilled a host promise");
  } else {
    // Passed or returned: a view, made without asking the value anything.
    expect(types.isProxy(value), how).toBe(true);
  }
};

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("class: guest code runs while the membrane converts a hostile Proxy for the host", () => {
  for (const trap of TRAPS) {
    for (const behaviour of BEHAVIOURS) {
      test(`trap ${trap} that would ${behaviour}: never runs, at any delivery; every promise settles`, async () => {
        const { guest, received, pending, calls, membrane } = makeGuest();
        for (const delivery of DELIVERIES) {
          for (const target of TARGETS) {
            guest.deliver(delivery, guest.make({ target, traps: { [trap]: behaviour } }));
          }
        }
        expect(await settled(pending)).toBe(true);
        expect(guest.stats.ran).toBe(0);
        expect(calls()).toBe(0);
        for (const r of received) checkReceived(r);
        expect(received.filter((r) => r.how === "rejected").length).toBe(3 * TARGETS.length);
        // Also through the host's own entry point.
        expect(
          types.isProxy(
            membrane.toHost(guest.make({ target: "error", traps: { [trap]: behaviour } })),
          ),
        ).toBe(true);
        expect(guest.stats.ran).toBe(0);
        // Exit: nothing unhandled is left for a report to inspect.
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(unhandled).toEqual([]);
      });
    }
  }
});

describe("class: guest code runs while the membrane converts (random trap behaviour, fast-check)", () => {
  test("no trap ever runs, nothing re-enters, every host promise settles, no rejection is a guest object", async () => {
    const trapArb = fc.constantFrom(...BEHAVIOURS);
    const spec = fc.record({
      target: fc.constantFrom(...TARGETS),
      traps: fc.record(
        Object.fromEntries(TRAPS.map((t) => [t, trapArb])) as Record<
          (typeof TRAPS)[number],
          fc.Arbitrary<(typeof BEHAVIOURS)[number]>
        >,
        { requiredKeys: [] },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(spec, fc.constantFrom(...DELIVERIES)), { minLength: 1, maxLength: 8 }),
        async (cases) => {
          const { guest, received, pending, calls } = makeGuest();
          for (const [s, delivery] of cases) guest.deliver(delivery, guest.make(s));
          expect(await settled(pending)).toBe(true);
          expect(guest.stats.ran).toBe(0);
          expect(calls()).toBe(0);
          for (const r of received) checkReceived(r);
          expect(unhandled).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("class: guest code runs while the membrane converts a real object that hides code", () => {
  const scenario = (source: string) => {
    const { compartment, guest, received, pending, calls } = makeGuest();
    compartment.evaluate(`(({ stats, deliver, make }) => { ${source} })`)(guest);
    return { guest, received, pending, calls };
  };

  test("a promise whose constructor (species) lookup runs code is not bridged, and its code never runs", async () => {
    const { guest, received } = scenario(`
      const p = Promise.resolve(1);
      Object.defineProperty(p, 'constructor', { get() { stats.ran += 1; return Promise; } });
      class Sub extends Promise { constructor(run) { stats.ran += 1; super(run); } }
      const sub = Sub.resolve(2);
      stats.ran = 0;
      const behindProxy = Promise.resolve(3);
      Object.setPrototypeOf(behindProxy, make({ target: 'promise', traps: { get: 'reenter' } }));
      for (const v of [p, sub, behindProxy]) deliver('argument', v);
    `);
    expect(guest.stats.ran).toBe(0);
    for (const r of received.filter((x) => x.how === "arg")) {
      expect(types.isProxy(r.value)).toBe(true);
    }
  });

  test("a fulfilled value whose then lookup runs code is refused, not resolved with", async () => {
    const { guest, received, pending, calls } = scenario(`
      const getter = {};
      const behindProxy = Object.create(make({ target: 'object', traps: { get: 'reenter', getOwnPropertyDescriptor: 'reenter' } }));
      const thenable = {};
      const values = [getter, behindProxy, thenable];
      for (const v of values) deliver('fulfilled', v);
      Object.defineProperty(getter, 'then', { get() { stats.ran += 1; api.sensitive(); return undefined; } });
      thenable.then = (resolve, reject) => { stats.ran += 1; reject(make({ target: 'object', traps: { get: 'throw' } })); };
    `);
    expect(await settled(pending)).toBe(true);
    expect(guest.stats.ran).toBe(0);
    expect(calls()).toBe(0);
    expect(received.map((r) => r.how)).toEqual(["rejected", "rejected", "rejected"]);
    for (const r of received) expect(isHostileValueError(r.value)).toBe(true);
  });

  test("a real error on a prototype chain through a Proxy, with accessors, is copied without running them", async () => {
    const { guest, received, pending } = scenario(`
      const e = new RangeError('plain message');
      Object.defineProperty(e, 'code', { get() { stats.ran += 1; return 'X'; } });
      Object.setPrototypeOf(e, make({ target: 'error', traps: { getPrototypeOf: 'reenter', get: 'reenter', getOwnPropertyDescriptor: 'reenter' } }));
      deliver('thrown', e);
      deliver('rejected', e);
      deliver('thrown', { message: 'thrown record', code: 'E_RECORD' });
    `);
    expect(await settled(pending)).toBe(true);
    expect(guest.stats.ran).toBe(0);
    expect(received.map((r) => r.how)).toEqual(["threw", "threw", "rejected"]);
    const [thrown, record, rejected] = received.map((r) => r.value) as Error[];
    for (const copy of [thrown, rejected]) {
      expect(copy).toBeInstanceOf(Error);
      expect(types.isProxy(copy)).toBe(false);
      expect(copy?.message).toBe("plain message");
      expect((copy as { code?: unknown }).code).toBeUndefined();
    }
    // A thrown record crosses as an error copy, as it does across a wall.
    expect(record).toBeInstanceOf(Error);
    expect(record?.message).toBe("thrown record");
    expect((record as unknown as { code: string }).code).toBe("E_RECORD");
  });
});
