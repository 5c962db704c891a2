import fc from "fast-check";
import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { parseVirtualPath } from "../src/fs/virtual-path.js";

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe("parseVirtualPath", () => {
  it("normalises relative, absolute, dotted and doubled spellings to one canonical path", () => {
    for (const p of ["a/b", "/a/b", "./a//b/", "/x/../a/b", "a/./b/.", "//a///b"]) {
      expect(parseVirtualPath(p, "t").path).toBe("/a/b");
    }
    expect(parseVirtualPath("/", "t").segments).toEqual([]);
    expect(parseVirtualPath(".", "t").path).toBe("/");
    expect(parseVirtualPath("a/..", "t").path).toBe("/");
  });

  it("invariant 4: refuses .. above the root in every spelling (FS_OUTSIDE_ROOT, no clamping)", () => {
    for (const p of [
      "..",
      "/..",
      "../a",
      "a/../..",
      "a/../../b",
      "./../x",
      "/a/b/../../../etc/passwd",
    ]) {
      expect(codeOf(() => parseVirtualPath(p, "t"))).toBe("FS_OUTSIDE_ROOT");
    }
  });

  it("invariant 1: refuses non-strings without running their toString/valueOf/toPrimitive", () => {
    let ran = 0;
    const hostile = {
      toString: () => {
        ran++;
        return "a.txt";
      },
      valueOf: () => {
        ran++;
        return "a.txt";
      },
      [Symbol.toPrimitive]: () => {
        ran++;
        return "a.txt";
      },
    };
    const inputs: unknown[] = [
      hostile,
      new String("a.txt"),
      new URL("file:///a.txt"),
      new Uint8Array([97]),
      42,
      null,
      undefined,
      Symbol("a"),
      ["a.txt"],
      new Proxy(
        {},
        {
          get: () => {
            ran++;
            return () => "a";
          },
        },
      ),
    ];
    for (const input of inputs) {
      expect(codeOf(() => parseVirtualPath(input, "t"))).toBe("FS_BAD_PATH");
    }
    expect(ran).toBe(0);
  });

  it("invariants 2 and 3: refuses NUL, controls, backslashes, look-alike slashes and lone surrogates", () => {
    for (const p of [
      "a\0b",
      "a\nb",
      "a\\..\\..\\b",
      "..\\x",
      "a\u2215..\u2215..",
      "a\uff0fb",
      "a\u2044b",
      "a\u29f8b",
      "a\uff3cb",
      "a\ud800b",
      "\udc00",
      "a\u007fb",
    ]) {
      expect(codeOf(() => parseVirtualPath(p, "t"))).toBe("FS_BAD_PATH");
    }
  });

  it("keeps percent-encoded separators and dots literal", () => {
    expect(parseVirtualPath("a%2F..%2F..%2Fb", "t").segments).toEqual(["a%2F..%2F..%2Fb"]);
    expect(parseVirtualPath("%2e%2e/x", "t").segments).toEqual(["%2e%2e", "x"]);
    expect(parseVirtualPath("...", "t").segments).toEqual(["..."]);
  });

  it("invariant 5: refuses paths over 4096 bytes and segments over 255 bytes", () => {
    expect(codeOf(() => parseVirtualPath("a/".repeat(2049), "t"))).toBe("FS_PATH_TOO_LONG");
    expect(codeOf(() => parseVirtualPath("é".repeat(2049), "t"))).toBe("FS_PATH_TOO_LONG");
    expect(codeOf(() => parseVirtualPath("x".repeat(256), "t"))).toBe("FS_PATH_TOO_LONG");
    expect(codeOf(() => parseVirtualPath("€".repeat(86), "t"))).toBe("FS_PATH_TOO_LONG");
    expect(parseVirtualPath("x".repeat(255), "t").segments).toHaveLength(1);
    expect(codeOf(() => parseVirtualPath("a".repeat(10_000_000), "t"))).toBe("FS_PATH_TOO_LONG");
  });

  it("result is hardened", () => {
    const v = parseVirtualPath("a/b", "t");
    expect(Object.isFrozen(v)).toBe(true);
    expect(Object.isFrozen(v.segments)).toBe(true);
  });

  it("property: any string is refused or gives segments without ., .., empty or slash, inside the root", () => {
    const piece = fc.oneof(
      fc.constantFrom("..", ".", "", "/", "\\", "%2F", "\u2215", "\0", "a", "b"),
      fc.string({ unit: "grapheme", maxLength: 6 }),
      fc.string({ unit: "binary", maxLength: 6 }),
    );
    const pathArb = fc.array(piece, { maxLength: 12 }).map((xs) => xs.join("/"));
    fc.assert(
      fc.property(fc.oneof(pathArb, fc.string({ unit: "binary" })), (input) => {
        let result;
        try {
          result = parseVirtualPath(input, "t");
        } catch (e) {
          expect(["FS_BAD_PATH", "FS_OUTSIDE_ROOT", "FS_PATH_TOO_LONG"]).toContain(
            (e as { code: string }).code,
          );
          return;
        }
        for (const s of result.segments) {
          expect(s).not.toBe("..");
          expect(s).not.toBe(".");
          expect(s).not.toBe("");
          expect(s.includes("/")).toBe(false);
          expect(s.includes("\\")).toBe(false);
          expect(s.includes("\0")).toBe(false);
        }
        // Resolving against a root never leaves it (checked with POSIX path rules).
        const root = "/grant/root";
        const resolved = `${root}${result.path === "/" ? "" : result.path}`;
        expect(resolved === root || resolved.startsWith(`${root}/`)).toBe(true);
        // Oracle: Node's POSIX resolver agrees on every accepted input.
        expect(posix.resolve(root, `./${input}`.replace(/^\.\/\/+/, "./"))).toBe(resolved);
        // Idempotent: the canonical spelling parses to itself.
        expect(parseVirtualPath(result.path, "t").path).toBe(result.path);
      }),
      { numRuns: 1500 },
    );
  });
});
