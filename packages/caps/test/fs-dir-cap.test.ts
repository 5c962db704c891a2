import {
  mkdtemp,
  mkdir,
  readFile,
  rm,
  symlink,
  writeFile,
  link,
  unlink,
  rename as hostRename,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDirCap } from "../src/fs/fs-dir-cap.js";
import { makeResourceScope } from "../src/resource-scope.js";

let base: string; // holds root/ and outside/
let root: string;
let outside: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "pc-fs-"));
  root = join(base, "root");
  outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "SECRET");
  await writeFile(join(root, "a.txt"), "hello");
  await mkdir(join(root, "notes"));
  await writeFile(join(root, "notes", "n.md"), "# n");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};
const errOf = async (p: Promise<unknown>): Promise<Error & { code: string }> => {
  try {
    await p;
  } catch (e) {
    return e as Error & { code: string };
  }
  throw new Error("expected a rejection");
};

describe("makeDirCap basics", () => {
  it("reads, writes, appends, lists, stats, mkdirs, renames, copies and removes", async () => {
    const dir = makeDirCap(root);
    expect(new TextDecoder().decode(await dir.readFile("/a.txt"))).toBe("hello");
    expect(await dir.readFile("a.txt", { encoding: "utf8" })).toBe("hello");
    await dir.writeFile("/b.txt", "bee");
    await dir.appendFile("/b.txt", new Uint8Array([33]));
    expect(await readFile(join(root, "b.txt"), "utf8")).toBe("bee!");
    expect(await dir.readdir("/")).toEqual([
      { name: "a.txt", type: "file" },
      { name: "b.txt", type: "file" },
      { name: "notes", type: "dir" },
    ]);
    const st = await dir.stat("/b.txt");
    expect(st).toMatchObject({ type: "file", size: 4 });
    expect(Object.keys(st).sort()).toEqual([
      "birthtimeMs",
      "ctimeMs",
      "mode",
      "mtimeMs",
      "size",
      "type",
    ]);
    expect(st.mode).toBeLessThanOrEqual(0o7777);
    await dir.mkdir("/x/y/z", { recursive: true });
    await dir.mkdir("/x/y/z", { recursive: true });
    expect(await codeOf(dir.mkdir("/x"))).toBe("EEXIST");
    expect(await codeOf(dir.mkdir("/q/r"))).toBe("ENOENT");
    await dir.rename("/b.txt", "/x/y/b2.txt");
    await dir.copy("/x/y/b2.txt", "/c.txt");
    expect(await dir.readFile("/c.txt", { encoding: "utf8" })).toBe("bee!");
    expect(await codeOf(dir.rm("/x"))).toBe("ENOTEMPTY");
    await dir.rm("/x", { recursive: true });
    expect(await codeOf(dir.stat("/x"))).toBe("ENOENT");
    await dir.rm("/nope", { force: true });
    expect(await codeOf(dir.rm("/nope"))).toBe("ENOENT");
    expect(await codeOf(dir.readFile("/notes"))).toBe("EISDIR");
    expect(await codeOf(dir.readdir("/a.txt"))).toBe("ENOTDIR");
    expect(await codeOf(dir.rm("/"))).toBe("FS_BAD_PATH");
  });

  it("streams large files in chunks and writes through a handle", async () => {
    const dir = makeDirCap(root);
    const big = new Uint8Array(300_000).map((_, i) => i % 251);
    const w = await dir.openWrite("/big.bin");
    await w.write(big.subarray(0, 100_000));
    await w.write(big.subarray(100_000));
    await w.close();
    const stream = await dir.openRead("/big.bin", { chunkSize: 65536 });
    const chunks: Uint8Array[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.length).toBe(5);
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      joined.set(c, at);
      at += c.length;
    }
    expect(Buffer.compare(joined, big)).toBe(0);
    expect(await codeOf(w.write("more"))).toBe("FS_CLOSED");
  });

  it("invariant 7 (core): closing the scope closes streams and handles and refuses later calls", async () => {
    const scope = makeResourceScope("cell");
    const dir = makeDirCap(root, { scope });
    await dir.writeFile("/big.bin", new Uint8Array(200_000));
    const stream = await dir.openRead("/big.bin", { chunkSize: 1000 });
    const w = await dir.openWrite("/out.bin");
    expect(scope.size).toBe(2);
    const it1 = stream[Symbol.asyncIterator]();
    await it1.next();
    await scope.close("revoked");
    expect(scope.size).toBe(0);
    expect(await codeOf(it1.next())).toBe("REVOKED");
    expect(await codeOf(w.write("x"))).toBe("REVOKED");
    expect(await codeOf(dir.readFile("/a.txt"))).toBe("REVOKED");
  });

  it("refuses non-string paths and data without running cell code", async () => {
    const dir = makeDirCap(root);
    let ran = 0;
    const hostile = {
      toString: () => (ran++, "a.txt"),
      [Symbol.toPrimitive]: () => (ran++, "a.txt"),
    };
    expect(await codeOf(dir.readFile(hostile as any))).toBe("FS_BAD_PATH");
    expect(await codeOf(dir.readFile(Buffer.from("a.txt") as any))).toBe("FS_BAD_PATH");
    expect(await codeOf(dir.readFile(new URL(`file://${root}/a.txt`) as any))).toBe("FS_BAD_PATH");
    const fakeBytes = new Proxy(new Uint8Array(3), { get: () => (ran++, 3) });
    expect(await codeOf(dir.writeFile("/f", fakeBytes))).toBe("FS_BAD_ARGUMENT");
    expect(await codeOf(dir.writeFile("/f", { length: 1, 0: 1 } as any))).toBe("FS_BAD_ARGUMENT");
    expect(await codeOf(dir.readFile("/a.txt", { encoding: "latin1" } as any))).toBe(
      "FS_BAD_ARGUMENT",
    );
    expect(ran).toBe(0);
  });

  it("the capability and its results are hardened", async () => {
    const dir = makeDirCap(root);
    expect(Object.isFrozen(dir)).toBe(true);
    expect(Object.isFrozen(await dir.readdir("/"))).toBe(true);
    expect(Object.isFrozen(await dir.stat("/a.txt"))).toBe(true);
    expect(Object.isFrozen(dir.sub("notes").readOnly())).toBe(true);
  });
});

describe("traversal", () => {
  it("invariant 1: every spelling of .. above the root is refused before any I/O", async () => {
    const dir = makeDirCap(join(root, "notes"));
    const spellings = [
      "..",
      "../a.txt",
      "/../a.txt",
      "./../a.txt",
      "x/../../a.txt",
      "../../outside/secret.txt",
      "/../../outside/secret.txt",
    ];
    for (const s of spellings) {
      expect(await codeOf(dir.readFile(s))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.writeFile(s, "x"))).toBe("FS_OUTSIDE_ROOT");
    }
    for (const s of [
      "..\\a.txt",
      "..%2fa.txt",
      "\u2215..\u2215a.txt",
      "a.txt\0",
      "..\uff0fa.txt",
    ]) {
      expect(["FS_BAD_PATH", "ENOENT"]).toContain(await codeOf(dir.readFile(s)));
    }
    expect(await readFile(join(root, "a.txt"), "utf8")).toBe("hello");
  });

  it("refuses huge paths with FS_PATH_TOO_LONG", async () => {
    const dir = makeDirCap(root);
    expect(await codeOf(dir.readFile("a/".repeat(3000)))).toBe("FS_PATH_TOO_LONG");
    expect(await codeOf(dir.writeFile("x".repeat(300), "x"))).toBe("FS_PATH_TOO_LONG");
  });
});

describe("symbolic links", () => {
  it("invariant 2 (host backend 1): links to outside files and dirs are refused, absolute and relative, chained", async () => {
    await symlink(join(outside, "secret.txt"), join(root, "abs-file"));
    await symlink("../outside/secret.txt", join(root, "rel-file"));
    await symlink(outside, join(root, "abs-dir"));
    await symlink("../outside", join(root, "rel-dir"));
    await symlink("rel-file", join(root, "chain1"));
    await symlink("chain1", join(root, "chain2"));
    await symlink("notes/../../outside", join(root, "tricky-dir"));
    const dir = makeDirCap(root);
    for (const p of [
      "abs-file",
      "rel-file",
      "chain2",
      "abs-dir/secret.txt",
      "rel-dir/secret.txt",
      "tricky-dir/secret.txt",
    ]) {
      expect(await codeOf(dir.readFile(p))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.stat(p))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.writeFile(p, "PWNED"))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.appendFile(p, "PWNED"))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.copy(p, "/stolen"))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.openRead(p))).toBe("FS_OUTSIDE_ROOT");
    }
    for (const p of ["abs-dir", "rel-dir", "tricky-dir"]) {
      expect(await codeOf(dir.readdir(p))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.mkdir(`${p}/new`))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.rm(`${p}/secret.txt`))).toBe("FS_OUTSIDE_ROOT");
      expect(await codeOf(dir.rename("/a.txt", `${p}/moved.txt`))).toBe("FS_OUTSIDE_ROOT");
    }
    // The links themselves are visible as links, and can be removed (the target is untouched).
    expect(await dir.lstat("abs-file")).toMatchObject({ type: "symlink" });
    await dir.rm("abs-dir", { recursive: true });
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("SECRET");
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("SECRET");
  });

  it("links that stay inside the root work; loops fail with ELOOP; dangling links are ENOENT", async () => {
    await symlink("notes/n.md", join(root, "inside"));
    await symlink("notes", join(root, "notes-link"));
    await symlink("loop-b", join(root, "loop-a"));
    await symlink("loop-a", join(root, "loop-b"));
    await symlink("missing", join(root, "dangling"));
    const dir = makeDirCap(root);
    expect(await dir.readFile("inside", { encoding: "utf8" })).toBe("# n");
    expect(await dir.readFile("notes-link/n.md", { encoding: "utf8" })).toBe("# n");
    expect((await dir.stat("inside")).type).toBe("file");
    expect(await codeOf(dir.readFile("loop-a"))).toBe("ELOOP");
    expect(await codeOf(dir.readFile("dangling"))).toBe("ENOENT");
  });

  it("a sub-capability's links cannot reach the parent's other files; a sub through a link sees nothing", async () => {
    await symlink("../a.txt", join(root, "notes", "up"));
    const notes = makeDirCap(root).sub("notes");
    expect(await codeOf(notes.readFile("up"))).toBe("FS_OUTSIDE_ROOT");
    await symlink("notes", join(root, "notes-link"));
    const viaLink = makeDirCap(root).sub("notes-link");
    expect(await codeOf(viaLink.readFile("n.md"))).toBe("FS_OUTSIDE_ROOT");
    expect(await codeOf(viaLink.readdir("/"))).toBe("FS_OUTSIDE_ROOT");
    expect(await codeOf(viaLink.writeFile("x", "x"))).toBe("FS_OUTSIDE_ROOT");
  });

  it("invariant 5 (host backend): a directory known to be link-free, then swapped for a link, is re-checked", async () => {
    await mkdir(join(root, "d"));
    await writeFile(join(root, "d", "secret.txt"), "INSIDE");
    const dir = makeDirCap(root);
    for (let i = 0; i < 3; i++)
      expect(await dir.readFile("d/secret.txt", { encoding: "utf8" })).toBe("INSIDE");
    await hostRename(join(root, "d"), join(root, "d-old"));
    await symlink(outside, join(root, "d"));
    expect(await codeOf(dir.readFile("d/secret.txt"))).toBe("FS_OUTSIDE_ROOT");
    await unlink(join(root, "d"));
    await hostRename(join(root, "d-old"), join(root, "d"));
    expect(await dir.readFile("d/secret.txt", { encoding: "utf8" })).toBe("INSIDE");
  });

  it("invariant 4 (core): a link cannot smuggle a filtered-out file into a filter's view", async () => {
    await writeFile(join(root, ".env"), "KEY=1");
    await symlink(".env", join(root, "leak.md"));
    await symlink("notes", join(root, "docs"));
    const md = makeDirCap(root).filter(["*.md", "docs/**"]);
    expect(await codeOf(md.readFile("leak.md"))).toBe("FS_FILTERED");
    expect(await codeOf(md.stat("leak.md"))).toBe("FS_FILTERED");
    expect(await codeOf(md.copy("leak.md", "copy.md"))).toBe("FS_FILTERED");
    // "docs" matches the glob but leads to "notes", which does not.
    expect(await codeOf(md.readFile("docs/n.md"))).toBe("FS_FILTERED");
    expect(await codeOf(md.readdir("docs"))).toBe("FS_FILTERED");
  });

  it("hard links placed by the host are readable (documented limitation); the cap cannot create links", async () => {
    await link(join(outside, "secret.txt"), join(root, "hard"));
    const dir = makeDirCap(root);
    expect(await dir.readFile("hard", { encoding: "utf8" })).toBe("SECRET");
    expect("link" in dir || "symlink" in dir).toBe(false);
  });
});

describe("errors never reveal the host root", () => {
  it("ENOENT, EISDIR, ENOTDIR, denials: message, stack and own properties hold only virtual paths", async () => {
    await symlink(outside, join(root, "out"));
    const dir = makeDirCap(root);
    const errors = await Promise.all([
      errOf(dir.readFile("/missing/x.txt")),
      errOf(dir.readFile("/notes")),
      errOf(dir.readdir("/a.txt/x")),
      errOf(dir.readFile("/out/secret.txt")),
      errOf(dir.readOnly().writeFile("/notes/a.txt", "x")),
      errOf(dir.mkdir("/a.txt/b")),
      errOf(dir.rename("/nope", "/x")),
    ]);
    for (const e of errors) {
      // The granted root appears nowhere, stack included. The stack of an
      // error thrown on the host side does name the host's own source files
      // (which may live under the temp directory, as in a CI clone): the
      // membrane drops stacks when errors cross to a cell.
      const fields = Object.getOwnPropertyNames(e).filter((k) => k !== "stack");
      const all = [e.message, ...fields.map((k) => String((e as any)[k]))];
      for (const s of all) {
        expect(s.includes(base)).toBe(false);
        expect(s.includes(tmpdir())).toBe(false);
      }
      expect((e.stack ?? "").includes(base)).toBe(false);
      expect(Object.getOwnPropertyNames(e).sort()).toEqual(
        expect.arrayContaining(["code", "message"]),
      );
      expect(Object.getOwnPropertyNames(e)).not.toContain("path");
      expect(Object.getOwnPropertyNames(e)).not.toContain("syscall");
    }
    expect(errors[0]!.message).toBe("ENOENT: no such file or directory, readFile /missing/x.txt");
    expect(errors[4]!.message).toBe(
      "writeFile /notes/a.txt denied: this directory capability is read-only; grant a writable one (drop .readOnly()) to allow it.",
    );
  });
});
