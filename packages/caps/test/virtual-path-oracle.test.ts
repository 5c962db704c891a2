// parseVirtualPath against an independent oracle (issue 16). The oracle below
// is written from the invariants in the header of `virtual-path.ts`, not from
// its code: it walks code units by hand instead of using the module's regular
// expressions, and resolves segments with its own stack. Property tests draw
// path strings from an alphabet rich in the characters that matter (separators,
// dots, look-alike slashes, controls, surrogate halves, long runs) and compare
// the whole outcome: the error code, or the segments and the canonical path.
//
// Classes closed here:
// - "a path with no segment at all names the grant root": the empty string
//   must be refused (FS_BAD_PATH), while "/", "." and "a/.." are the root.
// - "a check skipped or reordered": every refusal (type, length, character,
//   Unicode, climbing, segment length) and every acceptance is compared with
//   the oracle, so weakening any one check changes some outcome.
// - "a denial's text changed silently": every message is pinned.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseVirtualPath } from "../src/fs/virtual-path.js";

type Outcome = { code: string } | { segments: string[]; path: string };

// Code points that may never appear in a path (header invariants 2 and 3),
// listed as numbers so the oracle shares no pattern with the code.
const FORBIDDEN = new Set<number>([
  0x7f, 0x5c, 0x2044, 0x2215, 0x2216, 0x29f5, 0x29f8, 0x29f9, 0xfe68, 0xff0f, 0xff3c, 0x1735,
  0x2571, 0x27cb, 0x27cd, 0x3033,
]);
const isForbidden = (unit: number): boolean => unit < 0x20 || FORBIDDEN.has(unit);

const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8");

const hasLoneSurrogate = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const low = unit >= 0xdc00 && unit <= 0xdfff;
    if (low) return true;
    if (high) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : -1;
      if (next < 0xdc00 || next > 0xdfff) return true;
      i++;
    }
  }
  return false;
};

const oracle = (input: unknown): Outcome => {
  if (typeof input !== "string" || input === "") return { code: "FS_BAD_PATH" };
  if (utf8Length(input) > 4096) return { code: "FS_PATH_TOO_LONG" };
  for (let i = 0; i < input.length; i++) {
    if (isForbidden(input.charCodeAt(i))) return { code: "FS_BAD_PATH" };
  }
  if (hasLoneSurrogate(input)) return { code: "FS_BAD_PATH" };
  const stack: string[] = [];
  let start = 0;
  for (let i = 0; i <= input.length; i++) {
    if (i < input.length && input[i] !== "/") continue;
    const part = input.slice(start, i);
    start = i + 1;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return { code: "FS_OUTSIDE_ROOT" };
      stack.length -= 1;
      continue;
    }
    if (utf8Length(part) > 255) return { code: "FS_PATH_TOO_LONG" };
    stack.push(part);
  }
  return { segments: stack, path: "/" + stack.join("/") };
};

const actual = (input: unknown): Outcome => {
  try {
    const v = parseVirtualPath(input, "t");
    expect(Object.isFrozen(v) && Object.isFrozen(v.segments)).toBe(true);
    return { segments: [...v.segments], path: v.path };
  } catch (e) {
    return { code: (e as { code: string }).code };
  }
};

const messageOf = (input: unknown): string => {
  try {
    parseVirtualPath(input, "readFile");
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
};

// Pieces that matter to the checks, joined into paths.
const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("/", "/", ".", "..", "a", "b", "é", "😀") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "\\",
      "\u0000",
      "\n",
      "\u001f",
      "\u007f",
      "\u2215",
      "\uff0f",
      "\u2044",
      "\ud800",
      "\udc00",
      "%2F",
      " ",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 260 }).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 80, max: 90 }).map((n) => "é".repeat(n)) },
);
const pathString = fc.oneof(
  { weight: 8, arbitrary: fc.array(token, { maxLength: 12 }).map((t) => t.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 20 }) },
  // Near the 4096-byte limit: long runs of short segments.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1020, max: 1030 }), fc.constantFrom("a/", "é/", "./"))
      .map(([n, seg]) => seg.repeat(n)),
  },
);

describe("parseVirtualPath agrees with an independent oracle", () => {
  it("the oracle itself knows the root spellings and refuses the empty path", () => {
    expect(oracle("")).toEqual({ code: "FS_BAD_PATH" });
    for (const root of ["/", ".", "./", "//", "a/..", "/./."]) {
      expect(oracle(root)).toEqual({ segments: [], path: "/" });
    }
  });

  it("class: a path naming no segment is the root only when spelled out; the empty path is refused", () => {
    // Every string made only of "/" and "." segments, including the empty one.
    fc.assert(
      fc.property(fc.array(fc.constantFrom("/", "."), { maxLength: 6 }), (parts) => {
        const input = parts.join("");
        expect(actual(input)).toEqual(oracle(input));
      }),
      { numRuns: 300, examples: [[[]]] },
    );
    expect(actual("")).toEqual({ code: "FS_BAD_PATH" });
  });

  it("class: every check, for random path strings (outcome = error code or segments)", () => {
    fc.assert(
      fc.property(pathString, (input) => {
        expect(actual(input)).toEqual(oracle(input));
      }),
      { numRuns: 3000 },
    );
  });

  it("class: the byte limits are exact (4096 per path, 255 per segment, counted in UTF-8)", () => {
    const cases = [
      "a".repeat(4096),
      "a".repeat(4097),
      "/" + "a/".repeat(2047) + "b",
      "/" + "a/".repeat(2048),
      "x".repeat(255),
      "x".repeat(256),
      "é".repeat(127) + "x",
      "é".repeat(128),
      "😀".repeat(63) + "xxx",
      "😀".repeat(64),
      "é".repeat(2048),
      "é".repeat(2048) + "a",
    ];
    for (const input of cases) expect(actual(input), input.slice(0, 20)).toEqual(oracle(input));
  });

  it("class: values that are not primitive strings are refused like the oracle says", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        fc.pre(typeof input !== "string");
        expect(actual(input)).toEqual({ code: "FS_BAD_PATH" });
      }),
      { numRuns: 300 },
    );
  });
});

describe("parseVirtualPath error texts (pinned: a changed message is a visible decision)", () => {
  it("names the operation, quotes the path and says what would be accepted", () => {
    expect(messageOf("")).toMatchInlineSnapshot(
      `"readFile: the path is empty; use "/" for the root of the grant."`,
    );
    expect(messageOf(null)).toMatchInlineSnapshot(
      `"readFile: the path must be a string, got null; Buffers, URLs and objects are not converted."`,
    );
    expect(messageOf(new URL("file:///a"))).toMatchInlineSnapshot(
      `"readFile: the path must be a string, got object; Buffers, URLs and objects are not converted."`,
    );
  });

  it("quotes up to 120 characters, then an ellipsis", () => {
    const exact = "/" + "b".repeat(118) + "\n";
    expect(messageOf(exact)).toContain(`readFile ${JSON.stringify(exact)}:`);
    const over = "/" + "b".repeat(119) + "\n";
    expect(messageOf(over)).toContain(`readFile ${JSON.stringify("/" + "b".repeat(119) + "…")}:`);
  });
});
