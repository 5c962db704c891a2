// Attacks on transitivity and identity (makeMembrane invariants 1 and 2,
// membrane-handler.ts invariant 2, domain.ts invariant 1).
//
// Class closed by these tests: "a raw object leaks across the boundary". The
// host builds random object graphs (objects, arrays, functions, classes,
// getters, Maps, promises, iterators, thrown errors, frozen and hardened parts,
// cycles) and records every object of it in a WeakSet; a guest does a random
// walk through everything it can reach and hands back all it saw. Nothing it
// saw may be in the set. Symmetrically, the guest records every object it
// creates and passes in (arguments, `this`, callbacks, thenables, values set or
// defined, prototypes, thrown values), and nothing the host receives may be one.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { makeMembrane } from "@padded-cell/membrane";

const run = (globals: Record<string, unknown>, source: string): unknown =>
  new Compartment({ globals, __options__: true }).evaluate(source);

const isObjectLike = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

const KINDS = ["object", "array", "function", "class", "map", "frozen", "hardened"] as const;
const EDGES = [
  "prop",
  "getter",
  "return",
  "throw",
  "promise",
  "proto",
  "mapEntry",
  "iter",
  "error",
] as const;

const graphSpec = fc.record({
  kinds: fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 10 }),
  edges: fc.array(
    fc.record({ from: fc.nat(), to: fc.nat(), via: fc.constantFrom(...EDGES), key: fc.nat(5) }),
    { maxLength: 30 },
  ),
});
type GraphSpec = typeof graphSpec extends fc.Arbitrary<infer T> ? T : never;

/**
 * Builds the host graph of `spec`. Every object the host creates — nodes,
 * getters, promises, iterators, iterator results, errors, things received from
 * the guest — is recorded, so a walk can prove it never sees one raw.
 */
const mapSet = Map.prototype.set as (this: unknown, key: unknown, value: unknown) => unknown;

const buildHostGraph = (spec: GraphSpec) => {
  const hostObjects = new WeakSet<object>();
  const received: unknown[] = [];
  const record = <T>(value: T): T => {
    if (isObjectLike(value)) hostObjects.add(value);
    return value;
  };
  const returns = new Map<number, number>();
  const throwsOf = new Map<number, number>();
  const nodes: object[] = [];
  spec.kinds.forEach((kind, index) => {
    const call = function (this: unknown, ...args: unknown[]): unknown {
      received.push(this, ...args);
      // A host function calls back whatever functions it is given, with host
      // objects: the guest must see those wrapped.
      for (const arg of args) {
        if (typeof arg === "function") {
          try {
            received.push(arg(nodes[index], record({ fromHost: nodes[0] })));
          } catch (error) {
            received.push(error);
          }
        }
      }
      const thrown = throwsOf.get(index);
      if (thrown !== undefined) throw nodes[thrown];
      return nodes[returns.get(index) ?? 0];
    };
    switch (kind) {
      case "array":
        nodes.push(record([]));
        break;
      case "function":
        nodes.push(record(call));
        break;
      case "class": {
        const C = class {
          tag = "instance";
          method(...args: unknown[]): unknown {
            return call.apply(this, args);
          }
        };
        record(C.prototype);
        nodes.push(record(C));
        break;
      }
      case "map":
        nodes.push(record(new Map()));
        break;
      default:
        nodes.push(record({ index }));
    }
  });
  const n = nodes.length;
  for (const { from, to, via, key: k } of spec.edges) {
    const node = nodes[from % n] as Record<string, unknown>;
    const target = nodes[to % n] as object;
    const key = `k${k}`;
    switch (via) {
      case "prop":
        node[key] = target;
        break;
      case "getter":
        Object.defineProperty(node, key, {
          get: record(() => target),
          set: record((value: unknown) => received.push(value)),
          enumerable: true,
          configurable: true,
        });
        break;
      case "return":
        returns.set(from % n, to % n);
        break;
      case "throw":
        throwsOf.set(from % n, to % n);
        break;
      case "promise": {
        const promise = record(Promise.resolve(target));
        node[key] = promise;
        break;
      }
      case "proto": {
        let cursor: object | null = target;
        while (cursor !== null && cursor !== node) cursor = Object.getPrototypeOf(cursor) as object;
        if (cursor === null) Object.setPrototypeOf(node, target);
        break;
      }
      case "mapEntry":
        // A Map node may have had its prototype replaced: call the intrinsic.
        if (spec.kinds[from % n] === "map") {
          mapSet.call(node, record({ key }), target);
          mapSet.call(node, key, target);
        } else node[key] = record(new Map([[key, target]]));
        break;
      case "iter":
        node[key] = record({
          [Symbol.iterator]: record(() => {
            let i = 0;
            return record({
              next: record(() => record({ value: i < 2 ? target : undefined, done: i++ >= 2 })),
            });
          }),
        });
        break;
      case "error":
        node[key] = record(
          Object.assign(new Error(`error at /srv/host/node-${from}.js`), { ref: target }),
        );
        break;
    }
  }
  spec.kinds.forEach((kind, index) => {
    if (kind === "frozen") Object.freeze(nodes[index]);
    // harden() freezes all it reaches, so a hardened node hardens its part of
    // the graph: frozen and mutable parts both occur.
    if (kind === "hardened") harden(nodes[index]);
  });
  return { root: nodes[0] as object, hostObjects, received, record };
};

/**
 * The guest's random walk: each step picks a value reached so far and an
 * operation on it; it returns every value it reached and every object it
 * created and gave away.
 */
const GUEST_WALK = `
(async () => {
  const reached = [root];
  const mine = [];
  const own = (value) => { mine.push(value); return value; };
  const pending = [];
  const push = (value) => { if (reached.length < 400) reached.push(value); };
  const isObj = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';
  const callback = own(function (...args) { args.forEach(push); push(this); return own({ fromGuest: true }); });
  const thenable = own({ then: own((resolve) => resolve(own({ resolvedByGuest: true }))) });
  const attempt = (f) => { try { push(f()); } catch (e) { push(e); } };
  for (const step of steps) {
    const v = reached[step % reached.length];
    if (!isObj(v)) continue;
    const op = (step >> 8) % 14;
    if (op === 0) attempt(() => { const ks = Reflect.ownKeys(v); return v[ks[step % (ks.length || 1)]]; });
    else if (op === 1) attempt(() => Object.getPrototypeOf(v));
    else if (op === 2) attempt(() => { for (const d of Object.values(Object.getOwnPropertyDescriptors(v))) { push(d.value); push(d.get); push(d.set); } });
    else if (op === 3 && typeof v === 'function') attempt(() => v(callback, own({ arg: 1 }), thenable));
    else if (op === 4 && typeof v === 'function') attempt(() => new v(callback));
    else if (op === 5) attempt(() => { push(v.constructor); return v.constructor && v.constructor.constructor; });
    else if (op === 6 && typeof v === 'function') { attempt(() => v.caller); attempt(() => v.arguments); }
    else if (op === 7) attempt(() => { if (typeof v.then === 'function') pending.push(v.then((x) => push(x), (e) => push(e))); });
    else if (op === 8) attempt(() => { let i = 0; for (const x of v) { push(x); if (++i > 3) break; } });
    else if (op === 9) attempt(() => { if (typeof v.method === 'function') return v.method(callback); if (typeof v.get === 'function') return v.get('k' + (step % 6)); });
    else if (op === 10) attempt(() => { const ks = Reflect.ownKeys(v); v[ks[step % (ks.length || 1)] ?? 'x'] = own({ setByGuest: true }); });
    else if (op === 11) attempt(() => Object.defineProperty(v, 'g' + step, { get: own(() => 1), configurable: true }));
    else if (op === 12) attempt(() => Reflect.apply(Object.prototype.valueOf, v, []));
    else if (op === 13) attempt(() => { if (typeof v.valueOf === 'function') return v.valueOf(); });
  }
  await Promise.allSettled(pending);
  return { reached, mine };
})()
`;

describe("guest never touches a raw host object (invariant 1)", () => {
  test("random graphs, random walks: nothing reached is a host object", async () => {
    let objectsReached = 0;
    await fc.assert(
      fc.asyncProperty(
        graphSpec,
        fc.array(fc.nat(1 << 16), { minLength: 10, maxLength: 80 }),
        async (spec, steps) => {
          const { root, hostObjects, received } = buildHostGraph(spec);
          const membrane = makeMembrane("escape");
          const { reached, mine } = (await run(
            { root: membrane.wrap(root), steps: harden([...steps]) },
            GUEST_WALK,
          )) as { reached: unknown[]; mine: unknown[] };
          for (const value of reached) {
            if (!isObjectLike(value)) continue;
            objectsReached += 1;
            expect(hostObjects.has(value)).toBe(false);
          }
          // Invariant 1, other direction: nothing the guest created reaches
          // the host raw.
          const guestObjects = new Set(mine);
          for (const value of received) expect(guestObjects.has(value)).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
    // The walk must actually get somewhere for the property to mean anything.
    expect(objectsReached).toBeGreaterThan(150 * 5);
  });

  test("every thrown value, error property and promise result is converted", async () => {
    const secret = { secret: true };
    const error = Object.assign(new TypeError("boom"), { ref: secret, nested: { secret } });
    const host = {
      throwObject() {
        throw secret;
      },
      throwError() {
        throw error;
      },
      reject: () => Promise.reject(secret),
      resolve: () => Promise.resolve(secret),
      *gen() {
        yield secret;
      },
      async *asyncGen() {
        yield secret;
      },
    };
    const membrane = makeMembrane("escape");
    const seen = (await run(
      { host: membrane.wrap(host) },
      `(async () => {
        const out = [];
        try { host.throwObject(); } catch (e) { out.push(e); }
        try { host.throwError(); } catch (e) { out.push(e, e.ref, e.nested, Object.getPrototypeOf(e)); }
        try { await host.reject(); } catch (e) { out.push(e); }
        out.push(await host.resolve());
        for (const x of host.gen()) out.push(x);
        for await (const x of host.asyncGen()) out.push(x);
        out.push(host.gen().next(), host.asyncGen().next(), await host.asyncGen().next());
        return out;
      })()`,
    )) as unknown[];
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(error);
    // Thrown values (and rejection reasons) cross as error copies, so the
    // thrown object and the rejection reason carry no reference to `secret`;
    // the three yielded/resolved values are views of it.
    expect(seen.filter((value) => isObjectLike(value) && "secret" in value).length).toBe(3);
  });

  test("host-side sloppy functions: caller, arguments and callee give only wrapped values", () => {
    const secret = { secret: true };
    const outer = new Function(
      "secret",
      "return function outer(cb) { return (function inner(x) { return cb(x); })(secret); };",
    )(secret) as (cb: unknown) => unknown;
    const membrane = makeMembrane("escape");
    const seen = run(
      { outer: membrane.wrap(outer) },
      `const out = [];
       outer((x) => {
         out.push(x);
         for (const get of [() => outer.caller, () => outer.arguments, () => outer.arguments[0],
                            () => outer.arguments.callee]) {
           try { out.push(get()); } catch (e) { out.push(e); }
         }
       });
       out`,
    ) as unknown[];
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(outer);
    expect(seen.filter(isObjectLike).length).toBeGreaterThan(1);
  });

  test("Function constructors reached through the membrane do not evaluate code in the host", () => {
    const membrane = makeMembrane("escape");
    const api = membrane.wrap({ fn() {}, async afn() {}, *gfn() {} });
    const results = run(
      { api },
      `[api.fn, api.afn, api.gfn].map((f) => {
        try { const made = f.constructor('return globalThis')(); return made === globalThis ? 'guest global' : typeof made; }
        catch (e) { return e.name; }
      })`,
    ) as unknown[];
    for (const result of results) expect(["guest global", "TypeError", "Error"]).toContain(result);
  });

  // Closes (was a break): (class: a value thrown by guest code that runs inside a conversion
  // — a guest Proxy's getPrototypeOf/getOwnPropertyDescriptor trap probed by
  // Domain.toHost — is converted as if it were a host value, so the guest gets
  // a towards-guest "view" of its own function, which unwraps to the raw guest
  // function when passed back; the host then calls it with raw host objects.)
  // (/tmp/membrane-breaks.md, BREAK 1).
  test("a guest value thrown while the membrane converts a guest Proxy never reaches the host raw", () => {
    const hostObject = { tag: "host" };
    const api = makeMembrane("escape").wrap({ list: [hostObject], take() {} });
    const leaked = run(
      { api },
      `
      let leaked;
      const grab = (x) => { leaked = x; };
      const evil = new Proxy({}, { getPrototypeOf() { throw grab; } });
      let view; try { api.take(evil); } catch (e) { view = e; }
      try { api.list.forEach(view); } catch {}
      leaked`,
    );
    expect(leaked).not.toBe(hostObject);
  });
});

describe("host never touches a raw guest object (invariant 1)", () => {
  test("arguments, this, callbacks, thenables, set/defined values, prototypes and thrown values arrive wrapped", async () => {
    const received: unknown[] = [];
    const host: Record<string, unknown> = {
      take(this: unknown, ...args: unknown[]) {
        received.push(this, ...args);
      },
      call(cb: (x: unknown) => unknown) {
        received.push(cb);
        try {
          received.push(cb({ hostArg: true }));
        } catch (error) {
          received.push(error);
        }
      },
      async awaitIt(thenable: unknown) {
        received.push(thenable, await thenable);
      },
      set slot(value: unknown) {
        received.push(value);
      },
      target: {},
    };
    const membrane = makeMembrane("escape");
    const view = membrane.wrap(host);
    const mine = (await run(
      { host: view },
      `(async () => {
        const mine = [];
        const own = (v) => { mine.push(v); return v; };
        host.take.call(own({ asThis: 1 }), own({ arg: 1 }), own([1, 2]), own(() => 1), own(new Map()));
        host.call(own((x) => own({ returned: x })));
        host.call(own(() => { throw own({ thrownByGuest: 1 }); }));
        await host.awaitIt(own({ then: own((resolve) => resolve(own({ resolved: 1 }))) }));
        await host.awaitIt(own(Promise.resolve(own({ viaPromise: 1 }))));
        host.slot = own({ set: 1 });
        host.target.x = own({ stored: 1 });
        Object.defineProperty(host.target, 'y', { get: own(() => 1), configurable: true });
        Object.setPrototypeOf(host.target, own({ proto: 1 }));
        return mine;
      })()`,
    )) as unknown[];
    const target = host.target as Record<string, unknown>;
    received.push(
      target.x,
      Object.getOwnPropertyDescriptor(target, "y")?.get,
      Object.getPrototypeOf(target),
    );
    const guestObjects = new Set(mine);
    expect(received.filter(isObjectLike).length).toBeGreaterThan(12);
    for (const value of received) expect(guestObjects.has(value)).toBe(false);
  });
});

describe("identity (invariant 2)", () => {
  test("same target gives the same proxy; crossing back gives the original", () => {
    const inner = { v: 1 };
    const host = {
      inner,
      again: () => inner,
      isInner: (x: unknown) => x === inner,
      list: [inner, inner],
    };
    const membrane = makeMembrane("escape");
    const view = membrane.wrap(host);
    expect(membrane.wrap(host)).toBe(view);
    expect(membrane.toHost(view)).toBe(host);
    expect(
      run(
        { host: view },
        `[host.inner === host.again(), host.list[0] === host.list[1], host.isInner(host.inner),
          host.inner === Object.getOwnPropertyDescriptor(host, 'inner').value]`,
      ),
    ).toEqual([true, true, true, true]);
  });

  test("guest objects keep their identity on the host side and come back as themselves", () => {
    const store = new WeakMap<object, number>();
    const seen: unknown[] = [];
    const membrane = makeMembrane("escape");
    const api = membrane.wrap({
      remember(o: object) {
        seen.push(o);
        store.set(o, seen.length);
      },
      recall: (o: object) => store.get(o),
      giveBack: (o: unknown) => o,
    });
    expect(
      run(
        { api },
        `const o = {}; api.remember(o); api.remember(o);
         [api.recall(o), api.giveBack(o) === o, api.recall({})]`,
      ),
    ).toEqual([2, true, undefined]);
    expect(seen[0]).toBe(seen[1]);
  });

  test("instanceof and WeakMap keys are consistent for views", () => {
    class Account {
      balance = 1;
    }
    const a = new Account();
    const view = makeMembrane("escape").wrap({ Account, a, make: () => new Account() });
    expect(
      run(
        { v: view },
        `const wm = new WeakMap([[v.a, 'a']]);
         [v.a instanceof v.Account, v.make() instanceof v.Account, wm.get(v.a),
          Object.getPrototypeOf(v.a) === v.Account.prototype, Array.isArray(v.a) === false]`,
      ),
    ).toEqual([true, true, "a", true, true]);
  });

  test("host arrays are arrays to the guest and shared intrinsics are not wrapped", () => {
    const view = makeMembrane("escape").wrap({ list: [1, 2, 3], map: new Map([[1, 2]]) });
    expect(
      run(
        { v: view },
        `[Array.isArray(v.list), v.list instanceof Array, Object.getPrototypeOf(v.list) === Array.prototype,
          v.list.map((x) => x * 2).join(), [...v.map].length, v.map instanceof Map]`,
      ),
    ).toEqual([true, true, true, "2,4,6", 1, true]);
  });
});
