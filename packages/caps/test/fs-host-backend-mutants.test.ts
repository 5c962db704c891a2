// Issue 16, mutation testing of src/fs/fs-host-backend.ts: tests that kill
// mutants as classes, on the backend itself. Trees are generated and the
// oracle (freed bytes and entries, file contents) is computed from the
// generated description, never from the backend's records; descriptors are
// counted in /proc/self/fd, so a handle left open fails a test; special files
// (/dev/null, a FIFO, a zero-size /proc file) reach the branches regular
// files do not; the link-free cache of `readFileIfLinkFree` is probed from
// outside (what it answers, not what it holds).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeHostBackend } from "../src/fs/fs-host-backend.js";

let base: string;
beforeEach(async () => {
  base = realpathSync(await mkdtemp(join(tmpdir(), "pc-fsm-")));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const openFds = (): number => readdirSync("/proc/self/fd").length;
const codeOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => "resolved",
    (e: unknown) => (e as { code?: unknown }).code,
  );
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b);

// ---- rm: freed bytes and entries against the generated tree ----------------

type Tree = { readonly [name: string]: number | Tree };
const treeArb: fc.Arbitrary<Tree> = fc.letrec((tie) => ({
  tree: fc.dictionary(
    fc.constantFrom("a", "b", "c", "d"),
    fc.oneof({ depthSize: "small" }, fc.nat({ max: 300 }), tie("tree")),
    { maxKeys: 3 },
  ) as fc.Arbitrary<Tree>,
})).tree;

const build = async (dir: string, tree: Tree): Promise<void> => {
  await mkdir(dir);
  for (const [name, v] of Object.entries(tree)) {
    if (typeof v === "number") await writeFile(join(dir, name), "x".repeat(v));
    else await build(join(dir, name), v);
  }
};
const measure = (tree: Tree): { bytes: number; files: number } => {
  let bytes = 0;
  let files = 1; // the directory itself
  for (const v of Object.values(tree)) {
    if (typeof v === "number") {
      bytes += v;
      files += 1;
    } else {
      const m = measure(v);
      bytes += m.bytes;
      files += m.files;
    }
  }
  return { bytes, files };
};

describe("rm", () => {
  it("a recursive removal frees the bytes and entries of the generated tree, and closes what it opened", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(treeArb, async (tree) => {
        n += 1;
        const root = join(base, `r${n}`);
        await mkdir(root);
        await build(join(root, "t"), tree);
        const backend = makeHostBackend(root);
        const before = openFds();
        const freed = await backend.rm(["t"], true);
        expect(openFds()).toBe(before);
        expect({ ...freed }).toEqual(measure(tree));
        await expect(stat(join(root, "t"))).rejects.toMatchObject({ code: "ENOENT" });
      }),
      { numRuns: 40 },
    );
  });

  it("a file frees its size and one entry; an empty directory one entry; a full one needs recursive", async () => {
    await writeFile(join(base, "f"), "12345");
    await mkdir(join(base, "e"));
    await mkdir(join(base, "full"));
    await writeFile(join(base, "full", "x"), "1");
    const backend = makeHostBackend(base);
    expect({ ...(await backend.rm(["f"], false)) }).toEqual({ bytes: 5, files: 1 });
    expect({ ...(await backend.rm(["e"], false)) }).toEqual({ bytes: 0, files: 1 });
    expect(await codeOf(backend.rm(["full"], false))).toBe("ENOTEMPTY");
  });
});

// ---- the root and empty paths --------------------------------------------------

describe("empty paths and the root", () => {
  it("an operation on a leaf refuses the empty path with EISDIR and creates nothing", async () => {
    const backend = makeHostBackend(base);
    for (const op of [
      () => backend.mkdir([]),
      () => backend.rm([], true),
      () => backend.openWrite([], false),
      () => backend.rename([], ["x"]),
      () => backend.rename(["x"], []),
    ]) {
      expect(await codeOf(op())).toBe("EISDIR");
    }
    expect(readdirSync(base)).toEqual([]);
    expect(await backend.resolve([], false)).toEqual([]);
    expect(await backend.resolve([], true)).toEqual([]);
    expect((await backend.lstat([]))?.type).toBe("dir");
  });

  it("lstat answers undefined only for a missing entry; other failures are thrown", async () => {
    await writeFile(join(base, "f"), "x");
    const backend = makeHostBackend(base);
    expect(await backend.lstat(["nope"])).toBeUndefined();
    expect(await codeOf(backend.lstat(["f", "x"]))).toBe("ENOTDIR");
    expect(await backend.lstat(["f"])).toMatchObject({ type: "file", size: 1 });
  });

  it("a backend over / resolves, reads and writes host paths without a doubled slash", async () => {
    const segs = base.split("/").slice(1);
    await mkdir(join(base, "d"));
    await writeFile(join(base, "d", "f.txt"), "over root");
    const backend = makeHostBackend("/");
    expect(await backend.resolve([...segs, "d", "f.txt"], true)).toEqual([...segs, "d", "f.txt"]);
    expect(await backend.resolve([...segs, "d", "new"], false)).toEqual([...segs, "d", "new"]);
    expect(text(await backend.readFile([...segs, "d", "f.txt"]))).toBe("over root");
    const w = await backend.openWrite([...segs, "d", "g.txt"], false);
    await w.write(new TextEncoder().encode("written"));
    await w.close();
    expect(await readFile(join(base, "d", "g.txt"), "utf8")).toBe("written");
  });
});

// ---- reading and writing ----------------------------------------------------------

describe("reads and writes", () => {
  it("a zero-size file with content (/proc) is read to its end", async () => {
    const backend = makeHostBackend("/proc/self");
    const expected = readFileSync("/proc/self/cmdline");
    expect(expected.length).toBeGreaterThan(0);
    // /proc/self is the test process: its command line does not change.
    expect(Buffer.from(await backend.readFile(["cmdline"])).equals(expected)).toBe(true);
  });

  it("a zero-size file longer than one 64 KiB chunk (/proc/self/smaps) is read whole, in order", async () => {
    const backend = makeHostBackend("/proc/self");
    const got = Buffer.from(await backend.readFile(["smaps"])).toString("latin1");
    expect(got.length).toBeGreaterThan(64 * 1024);
    // The mappings change between two reads; the first line (the lowest mapping) does not.
    const firstLine = (s: string) => s.slice(0, s.indexOf("\n"));
    expect(firstLine(got)).toBe(firstLine(readFileSync("/proc/self/smaps", "latin1")));
    expect(got.endsWith("\n")).toBe(true);
  });

  it("a file shorter than its stat size (sysfs reports 4096) is read to its real end", async () => {
    const backend = makeHostBackend("/sys/devices/system/cpu");
    const expected = readFileSync("/sys/devices/system/cpu/online");
    expect((await stat("/sys/devices/system/cpu/online")).size).toBeGreaterThan(expected.length);
    expect(Buffer.from(await backend.readFile(["online"])).equals(expected)).toBe(true);
    const r = await backend.openRead(["online"]);
    expect(Buffer.from(await r.read(4096)).equals(expected)).toBe(true);
    await r.close();
  });

  it("a path through a directory link fails verification (FS_PATH_CHANGED) and leaves no descriptor open", async () => {
    await mkdir(join(base, "d", "sub"), { recursive: true });
    await writeFile(join(base, "d", "f"), "x");
    await symlink("d", join(base, "l"));
    const backend = makeHostBackend(base);
    const before = openFds();
    // The link as the leaf of a directory open is refused by O_NOFOLLOW itself.
    expect(await codeOf(backend.readdir(["l"]))).toBe("ENOTDIR");
    expect(await codeOf(backend.readFile(["l", "f"]))).toBe("FS_PATH_CHANGED");
    expect(await codeOf(backend.openRead(["l", "f"]))).toBe("FS_PATH_CHANGED");
    expect(await codeOf(backend.readdir(["l", "sub"]))).toBe("FS_PATH_CHANGED");
    expect(await codeOf(backend.mkdir(["l", "sub", "m"]))).toBe("FS_PATH_CHANGED");
    expect(await codeOf(backend.openWrite(["l", "sub", "g"], false))).toBe("FS_PATH_CHANGED");
    expect(openFds()).toBe(before);
    expect(readdirSync(join(base, "d", "sub"))).toEqual([]);
  });

  it("a write without append truncates the file it opened; append keeps it", async () => {
    await writeFile(join(base, "f"), "a long old content");
    const backend = makeHostBackend(base);
    const w = await backend.openWrite(["f"], false);
    await w.write(new TextEncoder().encode("new"));
    await w.close();
    expect(await readFile(join(base, "f"), "utf8")).toBe("new");
    const a = await backend.openWrite(["f"], true);
    await a.write(new TextEncoder().encode("+more"));
    await a.close();
    expect(await readFile(join(base, "f"), "utf8")).toBe("new+more");
  });

  it("reads in pieces return what was read; readers and writers close their descriptors", async () => {
    await writeFile(join(base, "f"), "0123456789");
    const backend = makeHostBackend(base);
    const before = openFds();
    const r = await backend.openRead(["f"]);
    expect(r.size).toBe(10);
    expect(text(await r.read(4))).toBe("0123");
    expect(text(await r.read(100))).toBe("456789");
    expect(text(await r.read(5))).toBe("");
    await r.close();
    expect(openFds()).toBe(before);
    const w = await backend.openWrite(["g"], false);
    await w.write(new TextEncoder().encode("x"));
    await w.close();
    expect(openFds()).toBe(before);
    await backend.readFile(["f"]);
    await backend.readdir([]);
    await backend.lstat(["f"]);
    await backend.mkdir(["m"]);
    await backend.rename(["m"], ["m2"]);
    await backend.rm(["m2"], false);
    expect(openFds()).toBe(before);
  });

  it("a character device is neither read nor written (FS_SPECIAL_FILE), and nothing is left open", async () => {
    const backend = makeHostBackend("/dev");
    const before = openFds();
    expect(await codeOf(backend.readFile(["null"]))).toBe("FS_SPECIAL_FILE");
    expect(await codeOf(backend.openRead(["null"]))).toBe("FS_SPECIAL_FILE");
    expect(await codeOf(backend.openWrite(["null"], false))).toBe("FS_SPECIAL_FILE");
    expect(await codeOf(backend.openWrite(["null"], true))).toBe("FS_SPECIAL_FILE");
    expect(openFds()).toBe(before);
  });

  it("a FIFO: lstat and readdir say other; a write with no reader is FS_SPECIAL_FILE; a read is refused", async () => {
    execFileSync("mkfifo", [join(base, "p")]);
    const backend = makeHostBackend(base);
    expect((await backend.lstat(["p"]))?.type).toBe("other");
    expect(await backend.readdir([])).toEqual([{ name: "p", type: "other" }]);
    expect(await codeOf(backend.openWrite(["p"], false))).toBe("FS_SPECIAL_FILE");
    expect(await codeOf(backend.readFile(["p"]))).toBe("FS_SPECIAL_FILE");
  });

  it("readdir and lstat type links as symlink; a write through a leaf link is FS_PATH_CHANGED", async () => {
    await writeFile(join(base, "f"), "x");
    await mkdir(join(base, "d"));
    await symlink("f", join(base, "l"));
    const backend = makeHostBackend(base);
    const entries = (await backend.readdir([])).map((e) => ({ ...e }));
    entries.sort((x, y) => (x.name < y.name ? -1 : 1));
    expect(entries).toEqual([
      { name: "d", type: "dir" },
      { name: "f", type: "file" },
      { name: "l", type: "symlink" },
    ]);
    expect((await backend.lstat(["l"]))?.type).toBe("symlink");
    expect((await backend.lstat(["d"]))?.type).toBe("dir");
    expect(await codeOf(backend.openWrite(["l"], false))).toBe("FS_PATH_CHANGED");
    expect(await codeOf(backend.openWrite(["nodir", "x"], false))).toBe("ENOENT");
    expect(await readFile(join(base, "f"), "utf8")).toBe("x");
  });
});

// ---- the link-free fast path (invariant 5) ---------------------------------------

describe("readFileIfLinkFree", () => {
  const fast = (b: ReturnType<typeof makeHostBackend>, segs: string[]) =>
    (b.readFileIfLinkFree as (s: string[]) => Promise<Uint8Array | undefined>)(segs).then(text);

  it("answers only for a file whose directory a resolution found free of links", async () => {
    await mkdir(join(base, "a", "b"), { recursive: true });
    await writeFile(join(base, "a", "b", "f"), "deep");
    await writeFile(join(base, "a", "g"), "shallow");
    await writeFile(join(base, "top"), "top");
    const backend = makeHostBackend(base);
    // Before any resolution the root is unknown.
    expect(await fast(backend, ["top"])).toBeUndefined();
    expect(await backend.resolve(["a", "b", "f"], true)).toEqual(["a", "b", "f"]);
    expect(await fast(backend, ["a", "b", "f"])).toBe("deep");
    // Only a/b was found free of links, not a, the root or the file as a directory.
    expect(await fast(backend, ["a", "g"])).toBeUndefined();
    expect(await fast(backend, ["top"])).toBeUndefined();
    expect(await fast(backend, [])).toBeUndefined();
    // A missing file in a known directory.
    expect(await fast(backend, ["a", "b", "nope"])).toBeUndefined();
    // A resolution without following the leaf proves nothing about links.
    await backend.resolve(["top"], false);
    expect(await fast(backend, ["top"])).toBeUndefined();
    await backend.resolve(["top"], true);
    expect(await fast(backend, ["top"])).toBe("top");
  });

  it("a resolution through a leaf link does not mark the directory link-free", async () => {
    await mkdir(join(base, "d"));
    await writeFile(join(base, "d", "f"), "f");
    await writeFile(join(base, "d", "g"), "g");
    await symlink("f", join(base, "d", "l"));
    const backend = makeHostBackend(base);
    expect(await backend.resolve(["d", "l"], true)).toEqual(["d", "f"]);
    expect(await fast(backend, ["d", "g"])).toBeUndefined();
  });

  it("a directory swapped for a link is forgotten, and stays forgotten once restored", async () => {
    // Three levels, so "the parent" and "the first directory" differ.
    await mkdir(join(base, "a", "d"), { recursive: true });
    await writeFile(join(base, "a", "d", "f"), "real");
    await mkdir(join(base, "a", "e"));
    await writeFile(join(base, "a", "e", "f"), "elsewhere");
    const backend = makeHostBackend(base);
    await backend.resolve(["a", "d", "f"], true);
    expect(await fast(backend, ["a", "d", "f"])).toBe("real");
    await rename(join(base, "a", "d"), join(base, "a", "d.parked"));
    await symlink("e", join(base, "a", "d"));
    expect(await fast(backend, ["a", "d", "f"])).toBeUndefined();
    await rm(join(base, "a", "d"));
    await rename(join(base, "a", "d.parked"), join(base, "a", "d"));
    expect(await fast(backend, ["a", "d", "f"])).toBeUndefined();
  });

  it("answers undefined for what is not a regular file (a directory, a FIFO)", async () => {
    await mkdir(join(base, "d", "sub"), { recursive: true });
    await writeFile(join(base, "d", "f"), "f");
    execFileSync("mkfifo", [join(base, "d", "p")]);
    const backend = makeHostBackend(base);
    await backend.resolve(["d", "f"], true);
    expect(await fast(backend, ["d", "f"])).toBe("f");
    const before = openFds();
    expect(await fast(backend, ["d", "p"])).toBeUndefined();
    expect(await fast(backend, ["d", "sub"])).toBeUndefined();
    expect(openFds()).toBe(before);
  });

  it("the cache keeps earlier directories until it holds 1024, then starts over", async () => {
    const n = 1025;
    for (let i = 0; i < n; i += 1) {
      await mkdir(join(base, `d${i}`));
      await writeFile(join(base, `d${i}`, "f"), `f${i}`);
    }
    const backend = makeHostBackend(base);
    await backend.resolve(["d0", "f"], true);
    await backend.resolve(["d1", "f"], true);
    expect([await fast(backend, ["d0", "f"]), await fast(backend, ["d1", "f"])]).toEqual([
      "f0",
      "f1",
    ]);
    for (let i = 2; i < n - 1; i += 1) await backend.resolve([`d${i}`, "f"], true);
    // 1024 directories known: all answer.
    expect([await fast(backend, ["d0", "f"]), await fast(backend, [`d${n - 2}`, "f"])]).toEqual([
      "f0",
      `f${n - 2}`,
    ]);
    await backend.resolve([`d${n - 1}`, "f"], true);
    expect([
      await fast(backend, ["d0", "f"]),
      await fast(backend, [`d${n - 2}`, "f"]),
      await fast(backend, [`d${n - 1}`, "f"]),
    ]).toEqual([undefined, undefined, `f${n - 1}`]);
  });
});
