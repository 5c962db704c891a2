// Mutation tests for policy.ts (issue 16). The oracle below is a model of the
// documented policy semantics computed from the *parts as the test built
// them* (key lists, substitute records, observer ids), never from the
// policy records: at the top, a key is hidden if any hide() lists it or any
// allowOnly() omits it; substitutes replace values (the later part wins);
// below the top only readOnly() and observe() still apply.
//
// Classes closed: a factory or compose() that loses, widens or reorders a
// part (hides, allow lists, substitutes, read-only, observers, inheritance
// below the top level), and unpinned policy error messages / descriptions.
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
  type Policy,
} from "../src/index.js";
import { guest } from "./support.js";

type Tree = { [key: string]: Tree | number };
const KEYS = ["a", "b", "c", "d"] as const;

const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.dictionary(
    fc.constantFrom(...KEYS),
    fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.integer(), tie("node")),
    { minKeys: 1, maxKeys: 4 },
  ),
})).node;

type Part =
  | { kind: "ro" }
  | { kind: "hide"; keys: string[] }
  | { kind: "allow"; keys: string[] }
  | { kind: "sub"; values: Record<string, number> }
  | { kind: "obs" };

const part: fc.Arbitrary<Part> = fc.oneof(
  fc.constant<Part>({ kind: "ro" }),
  fc.subarray([...KEYS]).map<Part>((keys) => ({ kind: "hide", keys })),
  fc.subarray([...KEYS]).map<Part>((keys) => ({ kind: "allow", keys })),
  fc
    .dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 1000, max: 2000 }), { minKeys: 1 })
    .map<Part>((values) => ({ kind: "sub", values })),
  fc.constant<Part>({ kind: "obs" }),
);

// The model.
const model = (parts: Part[]) => {
  const hidden = (k: string) =>
    parts.some(
      (p) =>
        (p.kind === "hide" && p.keys.includes(k)) || (p.kind === "allow" && !p.keys.includes(k)),
    );
  const subOf = (k: string): { value: number } | undefined => {
    let found: { value: number } | undefined;
    for (const p of parts) if (p.kind === "sub" && k in p.values) found = { value: p.values[k]! };
    return found;
  };
  const ro = parts.some((p) => p.kind === "ro");
  const description = parts
    .map((p) =>
      p.kind === "ro"
        ? "readOnly"
        : p.kind === "hide"
          ? `hide(${p.keys.join(", ")})`
          : p.kind === "allow"
            ? `allowOnly(${p.keys.join(", ")})`
            : p.kind === "sub"
              ? `substitute(${Object.keys(p.values).join(", ")})`
              : "observe",
    )
    .join(" + ");
  return { hidden, subOf, ro, description };
};

// Builds the policy; `log` gets "<observer index>:<op>:<key>".
const build = (parts: Part[], log: string[], split: number): Policy => {
  let obs = 0;
  const made = parts.map((p): Policy => {
    switch (p.kind) {
      case "ro":
        return readOnly();
      case "hide":
        return hide(p.keys);
      case "allow":
        return allowOnly(p.keys);
      case "sub":
        return substitute(p.values);
      case "obs": {
        const id = obs++;
        return observe((e) => void log.push(`${id}:${e.op}:${String(e.key)}`));
      }
    }
  });
  // Nest the composition at `split` (compose(compose(head), ...tail)) when it can.
  const s = split % (made.length + 1);
  if (s >= 2 && s < made.length) return compose(compose(...made.slice(0, s)), ...made.slice(s));
  return compose(...made);
};

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? "other";
  }
};

const obsCount = (parts: Part[]) => parts.filter((p) => p.kind === "obs").length;
const expectedEvents = (parts: Part[], ops: Array<[string, string]>) =>
  ops.flatMap(([op, key]) =>
    Array.from({ length: obsCount(parts) }, (_, i) => `${i}:${op}:${key}`),
  );

describe("compose() of any parts over nested graphs matches the model", () => {
  test("class: visibility, values, keys and writes at the top level", () => {
    fc.assert(
      fc.property(
        tree,
        fc.array(part, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (host, parts, split) => {
          const m = model(parts);
          const log: string[] = [];
          const policy = build(parts, log, split);
          expect(policy.description).toBe(m.description);
          const run = guest({ v: makeMembrane("m").wrap(host, policy) });
          const expectedKeys = KEYS.filter(
            (k) => !m.hidden(k) && (k in host || m.subOf(k) !== undefined),
          );
          expect(run<string[]>("Object.keys(v)").slice().sort()).toEqual(expectedKeys);
          for (const k of KEYS) {
            const sub = m.subOf(k);
            const visible = !m.hidden(k) && (k in host || sub !== undefined);
            expect(run(`'${k}' in v`), k).toBe(visible);
            log.length = 0;
            const got = run(`(x => typeof x === "object" ? "object" : x)(v.${k})`);
            const want = m.hidden(k)
              ? undefined
              : sub
                ? sub.value
                : typeof host[k] === "object"
                  ? "object"
                  : host[k];
            expect(got, k).toBe(want);
            // Every observer, in part order, sees the read before it happens.
            expect(log, k).toEqual(expectedEvents(parts, [["get", k]]));
            // Writes, each on a fresh view of a fresh copy.
            const copy = JSON.parse(JSON.stringify(host)) as Tree;
            const w = guest({ v: makeMembrane("w").wrap(copy, build(parts, [], split)) });
            const code = codeOf(() => w(`v.${k} = 7`));
            const wantCode = m.ro
              ? "MEMBRANE_READ_ONLY"
              : m.hidden(k) || sub
                ? "MEMBRANE_HIDDEN"
                : undefined;
            expect(code, `write ${k}`).toBe(wantCode);
            expect(copy[k], `host ${k}`).toEqual(wantCode === undefined ? 7 : host[k]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test("class: below the top only readOnly() and observe() apply, at every depth", () => {
    fc.assert(
      fc.property(
        tree,
        fc.array(part, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (host, parts, split) => {
          const m = model(parts);
          // Paths to nested objects through a top key the view shows unreplaced.
          const paths: string[][] = [];
          const walk = (t: Tree, prefix: string[]) => {
            for (const [k, v] of Object.entries(t)) {
              if (typeof v !== "object") continue;
              paths.push([...prefix, k]);
              walk(v, [...prefix, k]);
            }
          };
          for (const [k, v] of Object.entries(host)) {
            if (typeof v !== "object" || m.hidden(k) || m.subOf(k)) continue;
            paths.push([k]);
            walk(v, [k]);
          }
          for (const path of paths) {
            const copy = JSON.parse(JSON.stringify(host)) as Tree;
            const log: string[] = [];
            const run = guest({ v: makeMembrane("d").wrap(copy, build(parts, log, split)) });
            let node = copy;
            for (const k of path) node = node[k] as Tree;
            const at = `v.${path.join(".")}`;
            expect(run<string[]>(`Object.keys(${at})`).slice().sort(), at).toEqual(
              Object.keys(node).sort(),
            );
            for (const k of KEYS) {
              log.length = 0;
              expect(run(`(x => typeof x === "object" ? "object" : x)(${at}.${k})`), at + k).toBe(
                typeof node[k] === "object" ? "object" : node[k],
              );
              expect(log, at + k).toEqual(
                expectedEvents(
                  parts,
                  [...path, k].map((key) => ["get", key]),
                ),
              );
            }
            const code = codeOf(() => run(`${at}.z = 5`));
            expect(code, at).toBe(m.ro ? "MEMBRANE_READ_ONLY" : undefined);
            expect((node as Record<string, unknown>).z, at).toBe(m.ro ? undefined : 5);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("factories: keys, values and refusals", () => {
  test("number keys name the same property as their string; symbols are keys", () => {
    const s = Symbol("s");
    const run = guest({
      h: makeMembrane("n").wrap({ 0: "zero", 1: "one", [s]: "sym" }, hide([0, s])),
      a: makeMembrane("n").wrap({ 0: "zero", 1: "one", [s]: "sym" }, allowOnly([1, s])),
      s,
    });
    expect(run("[h[0], h['0'], h[1], h[s], 0 in h]")).toEqual([
      undefined,
      undefined,
      "one",
      undefined,
      false,
    ]);
    expect(run("[a[0], a[1], a['1'], a[s]]")).toEqual([undefined, "one", "one", "sym"]);
    expect(hide([0, s, "x"]).description).toBe("hide(0, Symbol(s), x)");
    expect(allowOnly([]).description).toBe("allowOnly()");
    expect(run("Object.keys(a)")).toEqual(["1"]);
  });
  test("substitute takes symbol keys and its values are the view's", () => {
    const s = Symbol("t");
    const run = guest({ v: makeMembrane("s").wrap({ x: 1 }, substitute({ [s]: "T", y: 2 })), s });
    expect(run("[v[s], v.y, v.x]")).toEqual(["T", 2, 1]);
    expect(substitute({ [s]: 1, y: 2 }).description).toBe("substitute(y, Symbol(t))");
  });
  test("keys and values are read once, at creation", () => {
    const keys = ["a"];
    const values: Record<string, unknown> = { b: 1 };
    const policy = compose(hide(keys), substitute(values));
    keys.push("c");
    values.b = 2;
    values.c = 3;
    const run = guest({ v: makeMembrane("once").wrap({ a: 1, b: 0, c: 0 }, policy) });
    expect(run("[v.a, v.b, v.c]")).toEqual([undefined, 1, 0]);
  });
  test("policies are frozen", () => {
    for (const p of [
      readOnly(),
      hide(["a"]),
      allowOnly(["a"]),
      substitute({ a: 1 }),
      observe(() => {}),
      compose(readOnly(), hide(["a"])),
    ]) {
      expect(Object.isFrozen(p)).toBe(true);
    }
  });
  test("each refusal is MEMBRANE_BAD_POLICY with a pinned message", () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
      return "no error";
    };
    const bad = (x: unknown) => x as never;
    expect(message(() => hide(bad("a")))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: hide() takes an array of property keys."`,
    );
    expect(message(() => allowOnly(bad({ length: 1, 0: "a" })))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: allowOnly() takes an array of property keys."`,
    );
    expect(message(() => hide(bad([{}])))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: hide() takes strings, symbols or numbers as keys."`,
    );
    expect(message(() => allowOnly(bad(["a", null])))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: allowOnly() takes strings, symbols or numbers as keys."`,
    );
    expect(message(() => hide(bad([1n])))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: hide() takes strings, symbols or numbers as keys."`,
    );
    expect(message(() => substitute(bad(null)))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: substitute() takes a record of replacement values."`,
    );
    expect(message(() => substitute(bad("ab")))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: substitute() takes a record of replacement values."`,
    );
    expect(
      message(() => substitute(Object.defineProperty({}, "x", { get: () => 1, enumerable: true }))),
    ).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: substitute() takes data properties, not accessors."`,
    );
    expect(message(() => observe(bad("f")))).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: observe() takes a function."`,
    );
    expect(message(() => compose())).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: compose() needs at least one policy."`,
    );
    expect(
      message(() => compose(readOnly(), bad({ description: "readOnly" }))),
    ).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: Not a policy: make one with readOnly(), hide(), allowOnly(), substitute(), observe() or compose()."`,
    );
    expect(
      message(() =>
        makeMembrane("x").wrap(
          {},
          bad(() => {}),
        ),
      ),
    ).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: Not a policy: make one with readOnly(), hide(), allowOnly(), substitute(), observe() or compose()."`,
    );
    expect(
      message(() => makeMembrane("x").wrap({}, bad(Object.freeze({ ...readOnly() })))),
    ).toMatchInlineSnapshot(
      `"MEMBRANE_BAD_POLICY: Not a policy: make one with readOnly(), hide(), allowOnly(), substitute(), observe() or compose()."`,
    );
  });
  test("a denial through a composition names the whole composition", () => {
    const run = guest({
      v: makeMembrane("c").wrap(
        { a: 1, b: 2 },
        compose(hide(["a"]), allowOnly(["a", "b"]), substitute({ b: 3 })),
      ),
    });
    expect(() => run("v.a = 1")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Cannot set "a": this view does not expose it (policy hide(a) + allowOnly(a, b) + substitute(b)).]`,
    );
    expect(() => run("v.b = 1")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Cannot set "b": this view does not expose it (policy hide(a) + allowOnly(a, b) + substitute(b)).]`,
    );
  });
});
