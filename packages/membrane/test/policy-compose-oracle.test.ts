// compose() on nested object graphs (issue 16). The oracle is the spec, not
// the policy records: a view made with readOnly() in any composition refuses
// every write at every depth, and the other parts narrow nothing back.
//
// Class closed: "read-only lost below the top level of a composition" (the
// earlier property test used flat objects and derived its expectation from
// the records themselves).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compose, hide, makeMembrane, observe, readOnly } from "../src/index.js";
import { guest } from "./support.js";

type Tree = { [key: string]: Tree | number };

// Nested plain objects, up to depth 4, keys from a small alphabet.
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.dictionary(
    fc.constantFrom("a", "b", "c", "d"),
    fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.integer(), tie("node")),
    { minKeys: 1, maxKeys: 3 },
  ),
})).node;

// Every path (list of keys) to an object in the tree, the root included.
const objectPaths = (t: Tree, prefix: string[] = []): string[][] => [
  prefix,
  ...Object.entries(t).flatMap(([k, v]) =>
    typeof v === "object" ? objectPaths(v, [...prefix, k]) : [],
  ),
];

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe("compose(readOnly(), ...) stays read-only at every depth", () => {
  test("class: any nesting, any order of parts, any hidden key", () => {
    fc.assert(
      fc.property(
        tree,
        fc.constantFrom("a", "b", "c", "d"),
        fc.boolean(),
        (host, hidden, readOnlyFirst) => {
          const parts = [readOnly(), hide([hidden]), observe(() => {})];
          if (!readOnlyFirst) parts.reverse();
          const snapshot = JSON.stringify(host);
          const run = guest({ v: makeMembrane("t").wrap(host, compose(...parts)) });
          for (const path of objectPaths(host)) {
            // Paths through the hidden key at the top are unreachable.
            if (path[0] === hidden) continue;
            const at = ["v", ...path.map((k) => `[${JSON.stringify(k)}]`)].join("");
            expect(
              codeOf(() => run(`${at}.z = 1`)),
              at,
            ).toBe("MEMBRANE_READ_ONLY");
            expect(
              codeOf(() => run(`delete ${at}.a`)),
              at,
            ).toBe("MEMBRANE_READ_ONLY");
          }
          expect(run(`v[${JSON.stringify(hidden)}]`)).toBe(undefined);
          expect(JSON.stringify(host)).toBe(snapshot);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("the denial names the key and the grant that would allow it", () => {
    const run = guest({
      v: makeMembrane("t").wrap({ a: { b: { c: 1 } } }, compose(readOnly(), hide(["x"]))),
    });
    expect(() => run("v.a.b.c = 2")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Cannot set "c": this view is read-only (granted with readOnly()); it needs a writable grant.]`,
    );
  });
});
