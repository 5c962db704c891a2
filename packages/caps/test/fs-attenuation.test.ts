import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDirCap } from "../src/fs/fs-dir-cap.js";
import { makeMemoryDirCap } from "../src/fs/fs-memory-cap.js";
import type { DirCap } from "../src/fs/fs-types.js";

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};
const codeOfSync = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

const SEED = {
  "/a.txt": "hello",
  "/notes/n.md": "# n",
  "/notes/deep/d.md": "# d",
  "/notes/secret.env": "KEY=1",
  "/src/x.ts": "export {}",
};

let base: string | undefined;
afterEach(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
  base = undefined;
});

const makers: [string, () => Promise<DirCap>][] = [
  [
    "host",
    async () => {
      base = await mkdtemp(join(tmpdir(), "pc-att-"));
      for (const [p, c] of Object.entries(SEED)) {
        await mkdir(join(base, p, ".."), { recursive: true });
        await writeFile(join(base, p), c);
      }
      return makeDirCap(base);
    },
  ],
  ["memory", async () => makeMemoryDirCap({ seed: SEED })],
];

describe.each(makers)("attenuation (%s)", (_kind, make) => {
  let dir: DirCap;
  beforeEach(async () => {
    dir = await make();
  });

  it("invariant 3 (core): a read-only capability reads but refuses every change, and stays read-only when narrowed", async () => {
    const ro = dir.readOnly();
    expect(await ro.readFile("/a.txt", { encoding: "utf8" })).toBe("hello");
    const views = [
      ro,
      ro.sub("notes"),
      ro.withQuota({ bytes: 10, files: 1 }),
      ro.filter("**"),
      ro.sub("notes").readOnly(),
    ];
    for (const v of views) {
      expect(await codeOf(v.writeFile("/z.txt", "x"))).toBe("FS_DENIED_READ_ONLY");
      expect(await codeOf(v.appendFile("/z.txt", "x"))).toBe("FS_DENIED_READ_ONLY");
      expect(await codeOf(v.mkdir("/zz"))).toBe("FS_DENIED_READ_ONLY");
      expect(await codeOf(v.rm("/a.txt"))).toBe("FS_DENIED_READ_ONLY");
      expect(await codeOf(v.rename("/a.txt", "/b.txt"))).toBe("FS_DENIED_READ_ONLY");
      expect(await codeOf(v.copy("/a.txt", "/b.txt"))).toBe("FS_DENIED_READ_ONLY");
      expect(await codeOf(v.openWrite("/b.txt"))).toBe("FS_DENIED_READ_ONLY");
    }
    expect(await dir.readFile("/a.txt", { encoding: "utf8" })).toBe("hello");
  });

  it("invariant 2 (core): sub narrows the root and cannot climb out (FS_WIDEN_DENIED)", async () => {
    const notes = dir.sub("/notes");
    expect(await notes.readFile("n.md", { encoding: "utf8" })).toBe("# n");
    expect((await notes.readdir("/")).map((e) => e.name)).toEqual(["deep", "n.md", "secret.env"]);
    expect(await codeOf(notes.readFile("../a.txt"))).toBe("FS_OUTSIDE_ROOT");
    for (const p of ["..", "../notes", "/..", "deep/../.."]) {
      expect(codeOfSync(() => notes.sub(p))).toBe("FS_WIDEN_DENIED");
    }
    expect(await notes.sub("deep").readFile("/d.md", { encoding: "utf8" })).toBe("# d");
    expect(await codeOf(notes.sub("deep").readFile("../n.md"))).toBe("FS_OUTSIDE_ROOT");
    expect(await codeOf(notes.rm("/"))).toBe("FS_BAD_PATH");
    expect(await codeOf(notes.rename("/", "/x"))).toBe("FS_BAD_PATH");
    await notes.rm("/no/such/parent", { force: true });
    expect(await codeOf(notes.rm("/no/such/parent"))).toBe("ENOENT");
    const e = await notes.readFile("/missing.txt").catch((x: Error) => x);
    expect((e as Error).message).toBe("ENOENT: no such file or directory, readFile /missing.txt");
  });

  it("quota: writes beyond the limit fail with FS_QUOTA_EXCEEDED, removals give room back, nesting only narrows", async () => {
    const q = dir.withQuota({ bytes: 100, files: 3 });
    await q.writeFile("/q1.txt", "x".repeat(60));
    expect(await codeOf(q.writeFile("/q2.txt", "x".repeat(41)))).toBe("FS_QUOTA_EXCEEDED");
    expect(await codeOf(q.stat("/q2.txt"))).toBe("ENOENT");
    await q.writeFile("/q1.txt", "x".repeat(100)); // replacing counts the difference
    expect(await codeOf(q.appendFile("/q1.txt", "x"))).toBe("FS_QUOTA_EXCEEDED");
    await q.rm("/q1.txt");
    await q.mkdir("/d1");
    await q.mkdir("/d2");
    await q.writeFile("/d1/f", "");
    expect(await codeOf(q.mkdir("/d3"))).toBe("FS_QUOTA_EXCEEDED");
    await q.rm("/d2");
    await q.copy("/a.txt", "/d1/copy.txt");
    expect(await codeOf(q.copy("/a.txt", "/d1/copy2.txt"))).toBe("FS_QUOTA_EXCEEDED");
    // Nested: inner limit applies, the outer still counts, a wider one is refused.
    expect(codeOfSync(() => q.withQuota({ bytes: 1000, files: 1 }))).toBe("FS_WIDEN_DENIED");
    expect(codeOfSync(() => q.withQuota({ bytes: -1, files: 1 }))).toBe("FS_BAD_ARGUMENT");
    expect(codeOfSync(() => q.withQuota({ bytes: Number.NaN, files: 1 }))).toBe("FS_BAD_ARGUMENT");
    const inner = q.sub("d1").withQuota({ bytes: 50, files: 3 });
    expect(await codeOf(inner.writeFile("/big", "x".repeat(51)))).toBe("FS_QUOTA_EXCEEDED");
    expect(await codeOf(inner.writeFile("/ok", "x".repeat(96)))).toBe("FS_QUOTA_EXCEEDED");
  });

  it("quota exceeded mid-stream: the failing write is refused whole, earlier writes stay, the handle closes", async () => {
    const q = dir.withQuota({ bytes: 1000, files: 10 });
    const w = await q.openWrite("/stream.bin");
    await w.write(new Uint8Array(600));
    await w.write(new Uint8Array(300));
    expect(await codeOf(w.write(new Uint8Array(200)))).toBe("FS_QUOTA_EXCEEDED");
    await w.write(new Uint8Array(100));
    await w.close();
    expect((await q.stat("/stream.bin")).size).toBe(1000);
    // Concurrent writes cannot both take the last room.
    await q.rm("/stream.bin");
    const results = await Promise.allSettled([
      q.writeFile("/c1", new Uint8Array(600)),
      q.writeFile("/c2", new Uint8Array(600)),
    ]);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
  });

  it("invariant 4 (core): a filter hides and refuses everything outside its globs, in every operation", async () => {
    const f = dir.filter(["**/*.md", "a.txt"]);
    expect(await f.readFile("/notes/n.md", { encoding: "utf8" })).toBe("# n");
    expect((await f.readdir("/")).map((e) => e.name)).toEqual(["a.txt", "notes", "src"]);
    expect((await f.readdir("/notes")).map((e) => e.name)).toEqual(["deep", "n.md"]);
    expect(await codeOf(f.readFile("/notes/secret.env"))).toBe("FS_FILTERED");
    expect(await codeOf(f.stat("/notes/secret.env"))).toBe("FS_FILTERED");
    expect(await codeOf(f.openRead("/src/x.ts"))).toBe("FS_FILTERED");
    expect(await codeOf(f.writeFile("/notes/new.txt", "x"))).toBe("FS_FILTERED");
    expect(await codeOf(f.rm("/notes/secret.env"))).toBe("FS_FILTERED");
    // Bypass attempts: rename/copy a hidden file into view, or a visible one out of view.
    expect(await codeOf(f.rename("/notes/secret.env", "/notes/leak.md"))).toBe("FS_FILTERED");
    expect(await codeOf(f.copy("/notes/secret.env", "/notes/leak.md"))).toBe("FS_FILTERED");
    expect(await codeOf(f.rename("/notes/n.md", "/notes/n.env"))).toBe("FS_FILTERED");
    expect(await codeOf(f.copy("/notes/n.md", "/notes/n.env"))).toBe("FS_FILTERED");
    // Whole-directory operations could touch hidden entries.
    expect(await codeOf(f.rename("/notes", "/notes2"))).toBe("FS_FILTERED");
    expect(await codeOf(f.rm("/notes", { recursive: true }))).toBe("FS_FILTERED");
    expect(await dir.readFile("/notes/secret.env", { encoding: "utf8" })).toBe("KEY=1");
    // Narrowing again intersects; sub keeps the filter relative to where it was applied.
    const g = f.filter("notes/**");
    expect(await codeOf(g.readFile("/a.txt"))).toBe("FS_FILTERED");
    const sub = f.sub("notes");
    expect(await sub.readFile("deep/d.md", { encoding: "utf8" })).toBe("# d");
    expect(await codeOf(sub.readFile("secret.env"))).toBe("FS_FILTERED");
    expect(codeOfSync(() => f.filter("../**"))).toBe("FS_WIDEN_DENIED");
    expect(codeOfSync(() => f.filter([]))).toBe("FS_BAD_ARGUMENT");
    expect(codeOfSync(() => f.filter([1] as any))).toBe("FS_BAD_ARGUMENT");
    await f.writeFile("/notes/new.md", "ok");
    await f.copy("/notes/new.md", "/notes/deep/new2.md");
    await f.rename("/notes/deep/new2.md", "/notes/new3.md");
    expect((await f.readdir("/notes")).map((e) => e.name)).toEqual([
      "deep",
      "n.md",
      "new.md",
      "new3.md",
    ]);
  });

  it("a filter copied from a cell's array is not affected by later changes to it", async () => {
    const globs = ["a.txt"];
    const f = dir.filter(globs);
    globs.push("**");
    expect(await codeOf(f.readFile("/src/x.ts"))).toBe("FS_FILTERED");
  });
});
