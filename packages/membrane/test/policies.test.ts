// Point 7: attenuation. Each policy alone, and the property that no
// composition of policies gives back what one of them took away.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  allowOnly,
  compose,
  hide,
  makeMembrane,
  observe,
  readOnly,
  substitute,
  type AccessEvent,
  type Policy,
} from "../src/index.js";
import { guest } from "./support.js";

const makeStore = () => {
  const data = new Map<string, string>([["a", "1"]]);
  return {
    data,
    get: (k: string) => data.get(k),
    put: (k: string, v: string) => void data.set(k, v),
    secret: "s3cret",
    nested: { items: [1, 2] },
  };
};

describe("readOnly", () => {
  test("denies every mutation of the object and of everything reached from it", () => {
    const store = makeStore();
    const run = guest({ v: makeMembrane("ro").wrap(store, readOnly()) });
    for (const attempt of [
      "v.secret = 'x'",
      "delete v.secret",
      "Object.defineProperty(v, 'z', { value: 1 })",
      "Object.setPrototypeOf(v, null)",
      "v.nested.items.push(3)",
      "v.nested.items.length = 0",
      "v.data.set('b', '2')",
      "v.data.clear()",
      "Object.assign(v.nested, { x: 1 })",
    ]) {
      expect(() => run(attempt), attempt).toThrow(
        expect.objectContaining({ code: "MEMBRANE_READ_ONLY" }),
      );
    }
    expect(store.data.size).toBe(1);
    expect(store.nested.items).toEqual([1, 2]);
    expect(run("v.data.get('a') + v.get('a') + v.nested.items.length")).toBe("112");
  });
  test("the error says what was denied and which grant allows it", () => {
    const run = guest({ v: makeMembrane("ro").wrap({ x: 1 }, readOnly()) });
    expect(() => run("v.x = 2")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Cannot set "x": this view is read-only (granted with readOnly()); it needs a writable grant.]`,
    );
  });
  test("freezing a read-only view is allowed and does not freeze the host object", () => {
    const store = makeStore();
    const run = guest({ v: makeMembrane("ro").wrap(store, readOnly()) });
    run("harden(v)");
    expect(Object.isFrozen(store)).toBe(false);
    expect(Object.isFrozen(store.nested)).toBe(false);
  });
});

describe("hide and allowOnly", () => {
  test("hidden keys are absent on every path", () => {
    const run = guest({ v: makeMembrane("h").wrap(makeStore(), hide(["secret", "put"])) });
    expect(run("v.secret")).toBeUndefined();
    expect(run("'secret' in v")).toBe(false);
    expect(run("Object.keys(v).includes('secret')")).toBe(false);
    expect(run("Object.getOwnPropertyDescriptor(v, 'secret')")).toBeUndefined();
    expect(run("JSON.stringify(Object.keys({ ...v }))")).not.toContain("secret");
    expect(() => run("v.secret = 1")).toThrow(expect.objectContaining({ code: "MEMBRANE_HIDDEN" }));
    expect(run("typeof v.get")).toBe("function");
  });
  test("allowOnly hides methods inherited from a class prototype, on the chain too", () => {
    class Api {
      read() {
        return "r";
      }
      write() {
        return "w";
      }
    }
    const run = guest({ v: makeMembrane("a").wrap(new Api(), allowOnly(["read"])) });
    expect(run("v.read()")).toBe("r");
    expect(run("v.write")).toBeUndefined();
    expect(run("Object.getPrototypeOf(v).write")).toBeUndefined();
  });
  test("a method obtained through a full view cannot act on an attenuated view (no amplification)", () => {
    class Api {
      read() {
        return "r";
      }
      write() {
        return "w";
      }
    }
    const membrane = makeMembrane("amp");
    const api = new Api();
    const run = guest({
      full: membrane.wrap(new Api()),
      narrow: membrane.wrap(api, allowOnly(["read"])),
    });
    // `write` runs with the narrow view as `this`, not with the real object.
    expect(run("full.write.call(narrow)")).toBe("w");
    const target: Api[] = [];
    const run2 = guest({
      take: membrane.wrap((x: Api) => target.push(x)),
      narrow: membrane.wrap(api, allowOnly(["read"])),
    });
    run2("take(narrow)");
    expect(target[0]).not.toBe(api);
    expect((target[0] as unknown as Record<string, unknown>).write).toBeUndefined();
  });
  test("a view passed back to a method reached through the same view unwraps to the original", () => {
    const membrane = makeMembrane("same");
    const user = { id: 1 };
    const seen: unknown[] = [];
    const api = { user: () => user, save: (u: unknown) => seen.push(u) };
    const run = guest({ api: membrane.wrap(api, allowOnly(["user", "save"])) });
    run("api.save(api.user())");
    expect(seen[0]).toBe(user);
  });
});

describe("substitute and observe", () => {
  test("substitute replaces values and the original is unreachable", () => {
    const run = guest({ v: makeMembrane("s").wrap(makeStore(), substitute({ secret: "***" })) });
    expect(run("v.secret")).toBe("***");
    expect(run("Object.getOwnPropertyDescriptor(v, 'secret').value")).toBe("***");
    expect(() => run("v.secret = 'x'")).toThrow(
      expect.objectContaining({ code: "MEMBRANE_HIDDEN" }),
    );
  });
  test("observe sees each access first, through everything reached", () => {
    const events: AccessEvent[] = [];
    const run = guest({
      v: makeMembrane("o").wrap(
        makeStore(),
        observe((e) => events.push(e)),
      ),
    });
    run("v.nested.items[0]");
    expect(events.map((e) => `${e.op}:${String(e.key)}`)).toEqual([
      "get:nested",
      "get:items",
      "get:0",
    ]);
  });
  test("an observer that throws denies the access", () => {
    const run = guest({
      v: makeMembrane("o").wrap(
        { x: 1 },
        observe(() => {
          throw new Error("audit sink full");
        }),
      ),
    });
    expect(() => run("v.x")).toThrow("audit sink full");
  });
});

describe("policies are not forgeable", () => {
  test.each([{}, { readOnly: false }, null, "readOnly"])("%j is refused", (fake) => {
    expect(() => makeMembrane("f").wrap({}, fake as unknown as Policy)).toThrow(
      expect.objectContaining({ code: "MEMBRANE_BAD_POLICY" }),
    );
  });
  test("bad keys are refused", () => {
    expect(() => hide([{}] as unknown as string[])).toThrow(
      expect.objectContaining({ code: "MEMBRANE_BAD_POLICY" }),
    );
  });
});

describe("attenuation only narrows (property-based)", () => {
  const policyArb = fc.oneof(
    fc.constant(() => readOnly()),
    fc.subarray(["a", "b", "c"]).map((keys) => () => hide(keys)),
    fc.subarray(["a", "b", "c"]).map((keys) => () => allowOnly(keys)),
    fc.constant(() => observe(() => {})),
  );
  const describePolicies = (ps: Array<() => Policy>) => ps.map((p) => p());

  test("a key hidden by any part stays hidden, and writes denied by any part stay denied", () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (makers, rewrap) => {
          const policies = describePolicies(makers);
          const membrane = makeMembrane("prop");
          const host = { a: 1, b: 2, c: 3 };
          // Either one composed policy, or wrapping a view again with each part.
          let view: unknown;
          if (rewrap) {
            view = host;
            for (const p of policies) view = membrane.wrap(view, p);
          } else view = membrane.wrap(host, compose(...policies));
          const run = guest({ v: view });
          const records = policies as unknown as Array<{
            hides: ((k: string) => boolean) | null;
            readOnly: boolean;
          }>;
          for (const key of ["a", "b", "c"]) {
            const hiddenByAny = records.some((r) => r.hides?.(key));
            expect(run(`'${key}' in v`)).toBe(!hiddenByAny);
            const readOnlyByAny = records.some((r) => r.readOnly);
            const wrote = (() => {
              try {
                run(`v.${key} = 9`);
                return true;
              } catch {
                return false;
              }
            })();
            expect(wrote).toBe(!hiddenByAny && !readOnlyByAny);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
