import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDirCap } from "../src/fs/fs-dir-cap.js";
import { makeFsFacade } from "../src/fs/fs-promises-facade.js";

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "pc-cell-"));
  await mkdir(join(base, "root", "docs"), { recursive: true });
  await writeFile(join(base, "root", "docs", "index.md"), "# Hi");
  await writeFile(join(base, "secret.txt"), "SECRET");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("a directory capability inside a compartment", () => {
  it("guest code uses the node:fs look-alike and cannot widen, tamper with or escape it", async () => {
    const dir = makeDirCap(join(base, "root"), { name: "site" });
    const fs = makeFsFacade(dir.sub("docs").readOnly());
    const c = new Compartment({ globals: { fs }, __options__: true });
    const guest = c.evaluate(`(async () => {
      const out = {};
      const attempt = async (name, f) => {
        try { out[name] = await f(); } catch (e) { out[name] = e.code ?? String(e); }
      };
      await attempt("read", () => fs.promises.readFile("/index.md", "utf8"));
      await attempt("escape", () => fs.promises.readFile("../../secret.txt", "utf8"));
      await attempt("write", () => fs.promises.writeFile("/x.md", "x"));
      await attempt("sync", () => fs.readFileSync("/index.md"));
      await attempt("tamper", () => { fs.promises.readFile = async () => "pwned"; return "tampered"; });
      await attempt("proto", () => { Object.getPrototypeOf(fs.promises).polluted = 1; return "polluted"; });
      await attempt("ctor", () => fs.promises.readFile.constructor("return typeof process")());
      await attempt("again", () => fs.promises.readFile("index.md", "utf8"));
      return out;
    })()`);
    const out = await guest;
    expect(out).toEqual({
      read: "# Hi",
      escape: "FS_OUTSIDE_ROOT",
      write: "FS_DENIED_READ_ONLY",
      sync: "FS_NOT_SUPPORTED",
      tamper: expect.stringContaining("TypeError"),
      proto: expect.stringContaining("TypeError"),
      // The shared Function constructor is tamed by lockdown: no way to the host realm.
      ctor: expect.stringContaining("TypeError"),
      again: "# Hi",
    });
    expect(await readFile(join(base, "secret.txt"), "utf8")).toBe("SECRET");
  });
});
