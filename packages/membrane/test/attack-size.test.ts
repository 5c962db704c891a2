// Size and depth attacks, in a process of their own: huge objects, deep
// prototype chains, deep recursion and huge strings. (These once aborted the
// test process: the membrane redacted host paths with a regular expression,
// which V8 compiled lazily near the stack limit. Redaction is now a scanner;
// see error-copy.ts.)
import { describe, expect, test } from "vitest";
import { hide, makeMembrane, readOnly } from "@padded-cell/membrane";

const run = (globals: Record<string, unknown>, source: string): unknown =>
  new Compartment({ globals, __options__: true }).evaluate(source);

describe("size and depth", () => {
  test("10^5-property objects cross both ways, with and without a policy", () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 100_000; i += 1) big[`p${i}`] = i;
    const membrane = makeMembrane("hostile");
    let hostCount = 0;
    const api = membrane.wrap({
      big,
      count(x: object) {
        hostCount = Object.keys(x).length;
      },
    });
    const hidden = membrane.wrap(big, hide(["p5"]));
    expect(
      run(
        { api, hidden },
        `const mine = {}; for (let i = 0; i < 100000; i += 1) mine['g' + i] = i;
         api.count(mine);
         [Object.keys(api.big).length, api.big.p99999, Object.keys(hidden).length, hidden.p5]`,
      ),
    ).toEqual([100_000, 99_999, 99_999, undefined]);
    expect(hostCount).toBe(100_000);
  });

  test("harden() of a 10^4-property view snapshots it and leaves the host object alone", () => {
    const big: Record<string, object> = {};
    for (let i = 0; i < 10_000; i += 1) big[`p${i}`] = { i };
    const view = makeMembrane("hostile").wrap(big, hide(["p5"]));
    expect(
      run(
        { v: view },
        "harden(v); [Object.isFrozen(v), Object.isFrozen(v.p9), Reflect.ownKeys(v).length]",
      ),
    ).toEqual([true, true, 9_999]);
    expect(Object.isExtensible(big)).toBe(true);
    expect(Object.isFrozen(big.p9)).toBe(false);
  });

  // Closes (was a break): (class: every listing of a non-extensible, non-frozen object re-syncs
  // its shadow with an O(n^2) membership test) a guest hands the host a
  // non-extensible object with 10^5 keys: the host's 2nd Reflect.ownKeys of it
  // takes ~15 s, the 3rd ~21 s. Un-comment once fixed (/tmp/membrane-breaks.md,
  // Closes (was a break) 7); the test fails by exceeding the file's time budget.
  test("listing a large non-extensible guest object repeatedly stays linear", () => {
    let listed = 0;
    const api = makeMembrane("hostile").wrap({
      inspect(x: object) {
        for (let i = 0; i < 5; i += 1) listed += Reflect.ownKeys(x).length;
      },
    });
    run(
      { api },
      "const o = {}; for (let i = 0; i < 100000; i += 1) o['g' + i] = i; Object.preventExtensions(o); api.inspect(o)",
    );
    expect(listed).toBe(500_000);
  });

  test("10^4-deep prototype chains on either side", () => {
    let deep: object = { bottom: "host" };
    for (let i = 0; i < 10_000; i += 1) deep = Object.create(deep, { [`l${i}`]: { value: i } });
    const membrane = makeMembrane("hostile");
    let hostRead: unknown;
    const api = membrane.wrap({
      deep,
      read(x: Record<string, unknown>) {
        hostRead = [x.bottom, x.missing, "bottom" in x];
      },
    });
    expect(
      run(
        { api },
        `let p = { bottom: 'guest' };
         for (let i = 0; i < 10000; i += 1) p = Object.create(p);
         api.read(p);
         let depth = 0; let cursor = api.deep;
         while (cursor !== null && depth < 20) { cursor = Object.getPrototypeOf(cursor); depth += 1; }
         [api.deep.bottom, api.deep.missing, 'bottom' in api.deep, depth]`,
      ),
    ).toEqual(["host", undefined, true, 20]);
    expect(hostRead).toEqual(["guest", undefined, true]);
  });

  test("deep recursion through the membrane ends in a RangeError for the guest and leaves the membrane working", () => {
    const membrane = makeMembrane("hostile");
    const api = membrane.wrap({ call: (f: () => unknown) => f(), o: { a: 1 } });
    expect(
      run(
        { api },
        `const down = () => api.call(down);
         let name; try { down(); } catch (e) { name = e.name; }
         [name === "RangeError" || name === "CellError", api.o.a]`,
      ),
      // With errorTaming "unsafe" (realm-lockdown.ts, so host applications
      // keep their stacks), the overflow's stack is rendered where the
      // membrane first reads it, near the stack limit, where SES's renderer
      // can fail: the guest then gets the membrane's CellError for the
      // unreadable value instead of the RangeError. Either way the guest
      // gets an error and the membrane keeps working.
    ).toEqual([true, 1]);
  });

  test("huge strings and keys cross unchanged and do not bloat error messages", () => {
    const membrane = makeMembrane("hostile");
    const host = { echo: (s: string) => s, length: (s: string) => s.length };
    const api = membrane.wrap(host);
    const frozenApi = membrane.wrap({ inner: {} }, readOnly());
    const result = run(
      { api, frozenApi },
      `const s = 'x'.repeat(1 << 24);
       const key = 'k'.repeat(1 << 20);
       let message;
       try { frozenApi.inner[key] = 1; } catch (e) { message = e.message; }
       [api.echo(s) === s, api.length(s), typeof message, message.length < 1000]`,
    );
    expect(result).toEqual([true, 1 << 24, "string", true]);
  });
});
