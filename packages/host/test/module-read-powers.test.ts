// The confined read powers (src/module-read-powers.ts): invariant 2 (reads
// only inside the real plugin root), invariant 1 (no host path in any error)
// and invariant 3 (a link out of the root is an error, not an absence).
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CellError } from "@padded-cell/membrane";
import { describeLocation, makeConfinedReadPowers } from "../src/module/module-read-powers.js";

let base: string;
let root: string;
const SECRET = "OUTSIDE-SECRET";
const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "padded-cell-read-powers-")));
  root = join(base, "plugin");
  await mkdir(join(root, "lib"), { recursive: true });
  await writeFile(join(root, "lib", "a.js"), "inside");
  await writeFile(join(root, "a b%.js"), "spaced");
  await writeFile(join(base, "secret.txt"), SECRET);
  await mkdir(join(base, "etc"));
  await writeFile(join(base, "etc", "passwd"), SECRET);
  await symlink(join(base, "secret.txt"), join(root, "link-out.js"));
  await symlink(join(base, "etc"), join(root, "dir-out"));
  await symlink(join(root, "lib", "a.js"), join(root, "link-in.js"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("confined read powers", () => {
  it("reads files under file:///plugin/ from the root, decoding percent-escapes", async () => {
    const powers = makeConfinedReadPowers(root);
    expect(text(await powers.read("file:///plugin/lib/a.js"))).toBe("inside");
    expect(text(await powers.read("file:///plugin/a%20b%25.js"))).toBe("spaced");
    expect(text(powers.maybeReadNow("file:///plugin/lib/a.js"))).toBe("inside");
    expect(text(await powers.read("file:///plugin/link-in.js"))).toBe("inside");
  });

  it("invariant 3: a symbolic link out of the root is MODULE_OUTSIDE_ROOT, sync and async, naming only the virtual path", async () => {
    const powers = makeConfinedReadPowers(root);
    for (const location of ["file:///plugin/link-out.js", "file:///plugin/dir-out/passwd"]) {
      const error = await powers.maybeRead(location).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CellError);
      expect((error as CellError).code).toBe("MODULE_OUTSIDE_ROOT");
      expect((error as CellError).message).not.toContain(base);
      expect(() => powers.maybeReadNow(location)).toThrow(
        expect.objectContaining({ code: "MODULE_OUTSIDE_ROOT" }),
      );
      await expect(powers.canonical(location as `file://${string}`)).rejects.toMatchObject({
        code: "MODULE_OUTSIDE_ROOT",
      });
    }
  });

  it("canonical maps links inside the root to virtual real locations and keeps missing ones", async () => {
    const powers = makeConfinedReadPowers(root);
    expect(await powers.canonical("file:///plugin/link-in.js")).toBe("file:///plugin/lib/a.js");
    expect(await powers.canonical("file:///plugin/lib/")).toBe("file:///plugin/lib/");
    expect(await powers.canonical("file:///plugin/missing/")).toBe("file:///plugin/missing/");
    expect(await powers.canonical("file:///elsewhere/")).toBe("file:///elsewhere/");
  });

  it("missing files are absent for maybeRead and MODULE_NOT_FOUND for read, without host paths", async () => {
    const powers = makeConfinedReadPowers(root);
    expect(await powers.maybeRead("file:///plugin/nope.js")).toBeUndefined();
    expect(await powers.maybeRead("file:///plugin/lib")).toBeUndefined();
    await expect(powers.read("file:///plugin/nope.js")).rejects.toMatchObject({
      code: "MODULE_NOT_FOUND",
      message: "Not found: ./nope.js does not exist in the plugin folder.",
    });
  });

  it("invariant 2 (property): no location string reads a byte from outside the root", async () => {
    const powers = makeConfinedReadPowers(root);
    const piece = fc.constantFrom(
      "..",
      ".",
      "%2e%2e",
      "%2E%2E",
      "%2e",
      "..%2f",
      "%2f",
      "%5c",
      "..%5c",
      "%00",
      "etc",
      "passwd",
      "secret.txt",
      "plugin",
      "lib",
      "a.js",
      "link-out.js",
      "dir-out",
      "",
      "~",
      "%252e%252e",
      base.slice(1),
    );
    const location = fc
      .tuple(
        fc.constantFrom(
          "file:///plugin/",
          "file:///",
          "file://host/plugin/",
          "file:/plugin/",
          "FILE:///plugin/",
          "file:///plugin",
          "file:///plugin/lib/",
          "",
          "http://x/plugin/",
        ),
        fc.array(piece, { maxLength: 8 }),
        fc.constantFrom("", "?x", "#y", "/"),
      )
      .map(([head, parts, tail]) => head + parts.join("/") + tail);
    await fc.assert(
      fc.asyncProperty(fc.oneof(location, fc.string()), async (loc) => {
        const outcomes: unknown[] = [];
        outcomes.push(await powers.maybeRead(loc).catch((e: unknown) => e));
        try {
          outcomes.push(powers.maybeReadNow(loc));
        } catch (e) {
          outcomes.push(e);
        }
        for (const outcome of outcomes) {
          if (outcome instanceof Uint8Array) {
            expect(text(outcome)).not.toBe(SECRET);
          } else if (outcome !== undefined) {
            expect(outcome).toBeInstanceOf(CellError);
            expect((outcome as CellError).message).not.toContain(base);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("fileURLToPath gives the virtual path; describeLocation gives ./relative or a placeholder", () => {
    const powers = makeConfinedReadPowers(root);
    expect(powers.fileURLToPath("file:///plugin/a%20b.js")).toBe("/plugin/a b.js");
    expect(describeLocation("file:///plugin/lib/a.js")).toBe("./lib/a.js");
    expect(describeLocation(`file://${base}/secret.txt`)).toBe(
      "(a location outside the plugin root)",
    );
  });
});
