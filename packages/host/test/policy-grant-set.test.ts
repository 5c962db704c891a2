// The grant vocabulary: canonical paths, coverage, union and intersection.
import { resolve, sep } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  canonicalGrantPath,
  emptyGrants,
  grantSet,
  intersectGrants,
  netCovers,
  pathCovers,
  unionGrants,
} from "../src/policy/policy-grant-set.js";

const cwd = resolve("/srv/site");
const CANONICAL = /^\.(\/(?!\.\.?(\/|$))[^/]+)*$/;

describe("canonical grant paths (invariant 2)", () => {
  test("normalises spellings and refuses paths outside the working directory", () => {
    expect(canonicalGrantPath("docs/../out/", cwd)).toBe("./out");
    expect(canonicalGrantPath(".", cwd)).toBe(".");
    expect(canonicalGrantPath("/srv/site/docs", cwd)).toBe("./docs");
    expect(() => canonicalGrantPath("../site2", cwd)).toThrow(/outside the working directory/);
    expect(() => canonicalGrantPath("/etc", cwd)).toThrow(/outside the working directory/);
    expect(() => canonicalGrantPath("", cwd)).toThrow(/not a path/);
    expect(() => canonicalGrantPath("a\0b", cwd)).toThrow(/not a path/);
  });

  test("property: any spelling is refused or canonical and inside the working directory", () => {
    const segment = fc.constantFrom("..", ".", "", "docs", "a b", "..docs", "x.txt", "site");
    fc.assert(
      fc.property(fc.boolean(), fc.array(segment, { maxLength: 8 }), (absolute, segments) => {
        const text = (absolute ? "/srv/" : "") + segments.join("/");
        let out: string;
        try {
          out = canonicalGrantPath(text === "" ? "." : text, cwd);
        } catch (error) {
          expect((error as { code: string }).code).toBe("CLI_USAGE");
          return;
        }
        expect(out).toMatch(CANONICAL);
        const host = resolve(cwd, out);
        expect(host === cwd || host.startsWith(cwd + sep)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("coverage is by whole segments: ./doc does not cover ./docs", () => {
    expect(pathCovers("./doc", "./docs")).toBe(false);
    expect(pathCovers("./docs", "./docs/a.md")).toBe(true);
    expect(pathCovers(".", "./anything")).toBe(true);
    expect(pathCovers("./docs/a.md", "./docs")).toBe(false);
  });
});

describe("net coverage (invariant 3: conservative)", () => {
  test.each([
    ["*.example.com:443", "api.example.com:443", true],
    ["*.example.com:443", "a.b.example.com:443", true],
    ["*.example.com:443", "example.com:443", false],
    ["*.example.com:443", "evilexample.com:443", false],
    ["*.example.com:443", "api.example.com:80", false],
    ["api.example.com:443", "API.example.com:443", true],
    ["api.example.com:1-1000", "api.example.com:443", true],
    ["api.example.com:443", "api.example.com:1-1000", false],
    ["api.example.com", "api.example.com:8080", true],
    ["*", "anything.example:22", true],
    ["10.0.0.0/8:443", "10.1.2.3:443", false],
    ["[::1]:8080", "[::1]:8080", true],
  ])("%s covers %s: %s", (outer, inner, expected) => {
    expect(netCovers(outer, inner)).toBe(expected);
  });
});

describe("intersection: what a plugin gets (invariant 1)", () => {
  test("the narrower of each overlapping pair, and what was not given", () => {
    const wants = grantSet(
      { fs: { read: ["."], write: ["./out"] }, net: ["*"], env: ["LANG", "HOME"], run: ["git"] },
      cwd,
    );
    const allowed = grantSet(
      { fs: { read: ["./docs"] }, net: ["api.example.com:443"], env: ["LANG"] },
      cwd,
    );
    const { given, notGiven } = intersectGrants(wants, allowed);
    expect(given).toEqual({
      fs: { read: ["./docs"], write: [] },
      net: ["api.example.com:443"],
      env: ["LANG"],
      run: [],
      imports: [],
    });
    expect(notGiven.map((n) => `${n.kind} ${n.entry} -> ${n.narrowedTo.join(",")}`)).toEqual([
      "fs.read . -> ./docs",
      "fs.write ./out -> ",
      "net * -> api.example.com:443",
      "env HOME -> ",
      "run git -> ",
    ]);
  });

  test("a write grant in the policy covers a wanted read", () => {
    const { given } = intersectGrants(
      grantSet({ fs: { read: ["./out/a"] } }, cwd),
      grantSet({ fs: { write: ["./out"] } }, cwd),
    );
    expect(given.fs.read).toEqual(["./out/a"]);
    expect(given.fs.write).toEqual([]);
  });

  const paths = fc.constantFrom(
    ".",
    "./docs",
    "./docs/a.md",
    "./docs/b",
    "./out",
    "./out/x",
    "./d",
  );
  const nets = fc.constantFrom(
    "*",
    "*.example.com:443",
    "api.example.com:443",
    "api.example.com:80",
    "api.example.com:1-1000",
    "a.b.example.com:443",
    "example.com:443",
    "10.0.0.0/8:443",
  );
  const names = fc.constantFrom("*", "LANG", "HOME", "TZ");
  const set = fc.record({
    read: fc.array(paths, { maxLength: 4 }),
    write: fc.array(paths, { maxLength: 3 }),
    net: fc.array(nets, { maxLength: 4 }),
    env: fc.array(names, { maxLength: 3 }),
  });

  test("property: every entry given is covered by the policy and by what was wanted", () => {
    fc.assert(
      fc.property(set, set, (w, a) => {
        const wants = grantSet(
          { fs: { read: w.read, write: w.write }, net: w.net, env: w.env },
          cwd,
        );
        const allowed = grantSet(
          { fs: { read: a.read, write: a.write }, net: a.net, env: a.env },
          cwd,
        );
        const { given } = intersectGrants(wants, allowed);
        const readable = [...allowed.fs.read, ...allowed.fs.write];
        for (const p of given.fs.read) {
          expect(readable.some((r) => pathCovers(r, p))).toBe(true);
          expect(wants.fs.read.some((r) => pathCovers(r, p))).toBe(true);
        }
        for (const p of given.fs.write) {
          expect(allowed.fs.write.some((r) => pathCovers(r, p))).toBe(true);
          expect(wants.fs.write.some((r) => pathCovers(r, p))).toBe(true);
        }
        for (const n of given.net) {
          expect(allowed.net.some((e) => netCovers(e, n))).toBe(true);
          expect(wants.net.some((e) => netCovers(e, n))).toBe(true);
        }
        for (const e of given.env) {
          expect(allowed.env.includes("*") || allowed.env.includes(e)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  test("union keeps only entries no other covers; nothing wanted gives nothing", () => {
    const u = unionGrants(
      grantSet({ fs: { read: ["./docs/a.md"] }, net: ["api.example.com:443"] }, cwd),
      grantSet({ fs: { read: ["./docs"] }, net: ["*.example.com:443"] }, cwd),
    );
    expect(u.fs.read).toEqual(["./docs"]);
    expect(u.net).toEqual(["*.example.com:443"]);
    expect(intersectGrants(emptyGrants(), u).given).toEqual(emptyGrants());
  });
});
