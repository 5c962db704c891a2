import * as nodeFs from "node:fs";
import * as nodeFsp from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { makeMemoryDirCap } from "../src/fs/fs-memory-cap.js";
import { makeFsFacade, makeFsPromisesFacade } from "../src/fs/fs-promises-facade.js";

const codeOf = async (p: () => unknown): Promise<string | undefined> => {
  try {
    await p();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

const make = () =>
  makeMemoryDirCap({ seed: { "/a.txt": "hello", "/d/b.md": "# b", "/d/e/c.md": "# c" } });

describe("makeFsPromisesFacade", () => {
  it("works like node:fs/promises for the supported members", async () => {
    const fsp = makeFsPromisesFacade(make());
    expect(await fsp.readFile("a.txt", "utf8")).toBe("hello");
    expect(await fsp.readFile("/a.txt", { encoding: "utf8" })).toBe("hello");
    expect(await fsp.readFile("/a.txt")).toEqual(new TextEncoder().encode("hello"));
    await fsp.writeFile("/w.txt", "w");
    await fsp.appendFile("/w.txt", "!");
    await fsp.writeFile("/w.txt", "?", { flag: "a" });
    expect(await fsp.readFile("/w.txt", "utf8")).toBe("w!?");
    expect(await fsp.readdir("/")).toEqual(["a.txt", "d", "w.txt"]);
    expect(await fsp.readdir("/d", { recursive: true })).toEqual(["b.md", "e", "e/c.md"]);
    const dirents = (await fsp.readdir("/", { withFileTypes: true })) as any[];
    expect(dirents.map((d) => [d.name, d.isFile(), d.isDirectory(), d.parentPath])).toEqual([
      ["a.txt", true, false, "/"],
      ["d", false, true, "/"],
      ["w.txt", true, false, "/"],
    ]);
    const st = await fsp.stat("/a.txt");
    expect(st.isFile()).toBe(true);
    expect(st.size).toBe(5);
    expect(st.mtime).toBeInstanceOf(Date);
    expect("ino" in st || "dev" in st || "uid" in st).toBe(false);
    await fsp.mkdir("/m/n", { recursive: true });
    expect(await codeOf(() => fsp.rm("/m"))).toBe("EISDIR");
    expect(await codeOf(() => fsp.unlink("/m"))).toBe("EISDIR");
    expect(await codeOf(() => fsp.rmdir("/a.txt"))).toBe("ENOTDIR");
    await fsp.rmdir("/m/n");
    await fsp.rm("/m", { recursive: true });
    await fsp.rm("/nope", { force: true });
    await fsp.copyFile("/a.txt", "/c.txt");
    expect(await codeOf(() => fsp.copyFile("/a.txt", "/c.txt", fsp.constants.COPYFILE_EXCL))).toBe(
      "EEXIST",
    );
    expect(await codeOf(() => fsp.cp("/d", "/d/inner", { recursive: true }))).toBe(
      "FS_BAD_ARGUMENT",
    );
    expect(await codeOf(() => fsp.cp("/", "/x", { recursive: true }))).toBe("FS_BAD_ARGUMENT");
    await fsp.cp("/d", "/d2", { recursive: true });
    expect(await fsp.readFile("/d2/e/c.md", "utf8")).toBe("# c");
    await fsp.rename("/c.txt", "/c2.txt");
    await fsp.unlink("/c2.txt");
    expect(await codeOf(() => fsp.access("/c2.txt"))).toBe("ENOENT");
    await fsp.truncate("/a.txt", 2);
    expect(await fsp.readFile("/a.txt", "utf8")).toBe("he");
    expect(await fsp.realpath("d/./e/..")).toBe("/d");
    const tmp = await fsp.mkdtemp("/tmp-");
    expect(tmp).toMatch(/^\/tmp-[a-z0-9]{6}$/);
  });

  it("invariant 2: every node:fs/promises member exists; unsupported ones reject with FS_NOT_SUPPORTED naming the member", async () => {
    const fsp = makeFsPromisesFacade(make()) as Record<string, any>;
    // "default" is the ESM namespace's own entry, not a member of the API.
    for (const name of Object.keys(nodeFsp).filter((k) => k !== "default"))
      expect(name in fsp, name).toBe(true);
    for (const name of [
      "chmod",
      "chown",
      "symlink",
      "link",
      "open",
      "watch",
      "utimes",
      "readlink",
      "statfs",
      "opendir",
    ]) {
      const p = fsp[name]("/a.txt");
      expect(p).toBeInstanceOf(Promise);
      const e = await p.catch((x: Error) => x);
      expect(e.code).toBe("FS_NOT_SUPPORTED");
      expect(e.message).toContain(`fs.promises.${name}`);
    }
    expect(Object.isFrozen(fsp)).toBe(true);
  });

  it("refuses Buffer and URL paths rather than converting them", async () => {
    const fsp = makeFsPromisesFacade(make()) as Record<string, any>;
    expect(await codeOf(() => fsp.readFile(Buffer.from("/a.txt")))).toBe("FS_BAD_PATH");
    expect(await codeOf(() => fsp.readFile(new URL("file:///a.txt")))).toBe("FS_BAD_PATH");
    expect(await codeOf(() => fsp.readFile("/a.txt", "latin1"))).toBe("FS_BAD_ARGUMENT");
  });
});

describe("makeFsFacade", () => {
  it("invariant 2: every node:fs member exists; sync and callback ones throw FS_NOT_SUPPORTED with the fs.promises hint", async () => {
    const fs = makeFsFacade(make()) as Record<string, any>;
    // "default" is the ESM namespace's entry; "_toUnixTimestamp" is Node-internal.
    const missing = Object.keys(nodeFs).filter(
      (k) => k !== "default" && k !== "_toUnixTimestamp" && !(k in fs),
    );
    expect(missing).toEqual([]);
    expect(await fs.promises.readFile("/a.txt", "utf8")).toBe("hello");
    expect(fs.constants.F_OK).toBe(0);
    for (const name of [
      "readFileSync",
      "readFile",
      "writeFileSync",
      "statSync",
      "existsSync",
      "createReadStream",
      "openSync",
    ]) {
      let err: any;
      try {
        fs[name]("/a.txt", () => {});
      } catch (e) {
        err = e;
      }
      expect(err?.code, name).toBe("FS_NOT_SUPPORTED");
    }
    let err: any;
    try {
      fs.readFileSync("/a.txt");
    } catch (e) {
      err = e;
    }
    expect(err.message).toContain("fs.promises.readFile");
  });
});
