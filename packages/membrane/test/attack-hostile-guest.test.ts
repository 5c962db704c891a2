// Attacks by a hostile guest (makeMembrane invariants 1 and 4, domain.ts
// invariant 4): guest Proxies with throwing or revoked traps, throwing
// getters, hostile thenables and promise species, toPrimitive/toString/valueOf
// traps, objects that change while they are read, cycles, huge objects, deep
// prototype chains, deep recursion and huge strings. None may hand the guest a
// raw host object or crash the host; the host always gets wrapped values or
// plain errors.
import { describe, expect, test } from "vitest";
import { hide, makeMembrane } from "@padded-cell/membrane";

const run = (globals: Record<string, unknown>, source: string): unknown =>
  new Compartment({ globals, __options__: true }).evaluate(source);

const isObjectLike = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

/** A host API that records everything it is given and hands out host objects. */
const makeHostApi = () => {
  const hostObjects = new WeakSet<object>();
  const secret = { secret: "host" };
  hostObjects.add(secret);
  const received: unknown[] = [];
  const api = {
    secret,
    take(this: unknown, ...args: unknown[]) {
      received.push(this, ...args);
      return secret;
    },
    read(x: Record<PropertyKey, unknown>) {
      received.push(x);
      const out: unknown[] = [];
      for (const probe of [
        () => x.anything,
        () => Object.keys(x),
        () => Reflect.ownKeys(x),
        () => Object.getPrototypeOf(x),
        () => String(x),
        () => `${x as unknown as string}`,
        () => JSON.stringify(x),
        () => x instanceof Error,
        () => Object.isFrozen(x),
      ]) {
        try {
          out.push(probe());
        } catch (error) {
          out.push(error);
        }
      }
      received.push(...out);
      return secret;
    },
    async awaitIt(x: unknown) {
      received.push(x);
      try {
        received.push(await x);
      } catch (error) {
        received.push(error);
      }
      return secret;
    },
  };
  for (const fn of [api, api.take, api.read, api.awaitIt]) hostObjects.add(fn);
  return { api, secret, hostObjects, received };
};

const HOSTILE_VALUES = `
  const values = [];
  const traps = ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf',
                 'setPrototypeOf', 'defineProperty', 'deleteProperty', 'isExtensible',
                 'preventExtensions', 'apply', 'construct'];
  const throwing = {};
  for (const t of traps) throwing[t] = () => { throw new Error('trap ' + t); };
  values.push(new Proxy({}, throwing), new Proxy(function () {}, throwing), new Proxy([], throwing));
  for (const t of traps) values.push(new Proxy({}, { [t]: () => { throw 'primitive from ' + t; } }));
  const { proxy: revokedProxy, revoke } = Proxy.revocable({}, {});
  revoke();
  values.push(revokedProxy);
  const { proxy: revokedFn, revoke: revokeFn } = Proxy.revocable(() => 1, {});
  revokeFn();
  values.push(revokedFn);
  values.push({ get anything() { throw new Error('getter'); } });
  values.push({ get then() { throw new Error('then getter'); } });
  values.push({ then(resolve, reject) { reject(new Error('thenable rejects')); } });
  values.push({ then(resolve) { resolve({ then(r) { r(values); } }); } });
  values.push({ then() { throw { thrownPlain: 1 }; } });
  values.push({ [Symbol.toPrimitive]() { throw new Error('toPrimitive'); } });
  values.push({ toString() { return {}; }, valueOf() { return {}; } });
  values.push({ toJSON() { throw new Error('toJSON'); } });
  const lying = new Proxy({}, { getPrototypeOf: () => Error.prototype });
  values.push(lying);
  values.push(new Proxy({}, { getPrototypeOf: () => Promise.prototype }));
  const p = Promise.resolve({ resolved: 1 });
  Object.defineProperty(p, 'constructor', { get() { throw new Error('species'); } });
  values.push(p);
  const q = Promise.resolve(2);
  q.constructor = function Species(executor) { executor(() => {}, () => {}); };
  q.constructor[Symbol.species] = q.constructor;
  values.push(q);
  values.push(Promise.reject(new Error('rejected')));
  const e = new TypeError('guest error');
  Object.defineProperty(e, 'message', { get() { throw new Error('message getter'); } });
  values.push(e);
  const cyc = { }; cyc.self = cyc; cyc.list = [cyc, [cyc]];
  values.push(cyc);
`;

describe("hostile values given to the host", () => {
  test("no hostile value gives the guest a raw host object or crashes the host", async () => {
    const { api, hostObjects, received } = makeHostApi();
    const membrane = makeMembrane("hostile");
    const seen = (await run(
      { api: membrane.wrap(api) },
      `(async () => {
        ${HOSTILE_VALUES}
        const seen = [];
        const attempt = async (f) => { try { seen.push(await f()); } catch (err) { seen.push(err); } };
        for (const v of values) {
          await attempt(() => api.take(v));
          await attempt(() => api.take.call(v, v));
          await attempt(() => api.read(v));
          await attempt(() => api.awaitIt(v));
          await attempt(() => Reflect.apply(api.take, v, [v]));
        }
        return { seen, guestValues: values };
      })()`,
    )) as { seen: unknown[]; guestValues: unknown[] };
    for (const value of seen.seen) {
      if (isObjectLike(value)) expect(hostObjects.has(value)).toBe(false);
    }
    // Invariant 1, host side: none of the guest's values arrived raw.
    const guestValues = new Set(seen.guestValues);
    for (const value of received) expect(guestValues.has(value)).toBe(false);
    expect(received.length).toBeGreaterThan(50);
  });

  // Closes (was a break): (class: a guest value thrown from inside a conversion is converted
  // as a host value) — see attack-escape.test.ts and /tmp/membrane-breaks.md
  // Closes (was a break) 1; the HOSTILE_VALUES above throw only errors and primitives from
  // their traps for that reason.

  test("a hostile key's toString runs once, in the guest, before any policy check", () => {
    const view = makeMembrane("hostile").wrap({ open: 1, secret: "s" }, hide(["secret"]));
    expect(
      run(
        { v: view },
        `let n = 0;
         const key = { toString() { n += 1; return n === 1 ? 'secret' : 'open'; } };
         [v[key], n, key in v, n]`,
      ),
    ).toEqual([undefined, 1, true, 2]);
  });

  test("an object whose keys change while the host reads it gives consistent views, no crash", () => {
    const received: string[][] = [];
    const api = makeMembrane("hostile").wrap({
      keysOf(x: object) {
        const first = Object.keys(x);
        const all = Object.getOwnPropertyDescriptors(x);
        received.push(first, Object.keys(all), Object.keys(x));
        return first.length;
      },
    });
    const count = run(
      { api },
      `let i = 0;
       const shifting = new Proxy({ a: 1 }, {
         ownKeys(t) { t['k' + i++] = i; return Reflect.ownKeys(t); },
         getOwnPropertyDescriptor(t, k) { if (i % 2) delete t.a; return Reflect.getOwnPropertyDescriptor(t, k); },
       });
       api.keysOf(shifting)`,
    );
    expect(typeof count).toBe("number");
    expect(received.length).toBe(3);
  });

  // A guest object that is non-extensible but deletes its own keys between two
  // listings must not make the host's view break a Proxy invariant.
  test("a non-extensible guest Proxy that deletes keys while being listed", () => {
    const outcomes: unknown[] = [];
    const api = makeMembrane("hostile").wrap({
      inspect(x: object) {
        for (let round = 0; round < 4; round += 1) {
          try {
            outcomes.push(Object.isExtensible(x), Reflect.ownKeys(x).length);
          } catch (error) {
            outcomes.push((error as Error).message);
          }
        }
      },
    });
    run(
      { api },
      `const target = { a: 1, b: 2, c: 3 };
       Object.preventExtensions(target);
       let calls = 0;
       const p = new Proxy(target, {
         ownKeys(t) { calls += 1; const keys = Reflect.ownKeys(t); if (calls % 2 === 0 && keys.length) delete t[keys[0]]; return Reflect.ownKeys(t); },
         getOwnPropertyDescriptor(t, k) { if (calls % 3 === 0) delete t[k]; return Reflect.getOwnPropertyDescriptor(t, k); },
       });
       api.inspect(p)`,
    );
    for (const outcome of outcomes) expect(String(outcome)).not.toMatch(/on proxy/);
  });
});

// Closes (was a break): (class: Lifetime.revoke marks the lifetime revoked before dropping
// anything, traps check only the dropped maps, and a second revoke returns
// early) a guest that calls a revoking host function near the stack limit
// leaves `membrane.revoked === true` with every view still live.
// (/tmp/membrane-breaks.md, BREAK 6).
// (The exact depth at which revoke() overflows varies; several rounds make the
// repro reliable: 6 of 8 rounds left the membrane live at 11:40 UTC.)
test("a guest near the stack limit cannot leave a revoked membrane live", () => {
  let revokedRounds = 0;
  for (let round = 0; round < 8; round += 1) {
    const membrane = makeMembrane("hostile");
    const api = membrane.wrap({
      secret: { data: "live" },
      quit() {
        membrane.revoke("quota");
        return "quit";
      },
    });
    const after = run(
      { api, round },
      `
      api.secret.data;
      let quitResult = 'none';
      const dive = (n) => {
        const frame = [n, round];
        try { dive(n + 1); } catch {}
        if (quitResult === 'none' || quitResult === 'RangeError') {
          try { quitResult = api.quit(); } catch (e) { quitResult = e.name; }
        }
      };
      dive(0);
      try { api.secret.data } catch (e) { e.code }`,
    );
    // The invariant: once revoked (however far revoke() got), nothing is live.
    // (A round in which every call of quit() overflowed never revoked at all.)
    if (membrane.revoked) {
      revokedRounds += 1;
      expect(after).toBe("REVOKED");
    } else {
      expect(after).toBe("live");
    }
  }
  expect(revokedRounds).toBeGreaterThan(0);
});
