// Races: links swapped in and out by the host while a cell reads and writes.
// Each test is bounded (at most 5000 swaps) and fails if the descriptor
// verification of fs-host-backend.ts is removed.
import {
  mkdtemp,
  mkdir,
  readFile,
  rm,
  symlink,
  writeFile,
  unlink,
  rename as hostRename,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeDirCap } from "../src/fs/fs-dir-cap.js";

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

describe("symbolic link races", () => {
  it("invariant 2 (host backend 2): a symlink swapped in (leaf or parent) during reads never yields the outside file", async () => {
    await writeFile(join(root, "victim.txt"), "INSIDE");
    await mkdir(join(root, "d"));
    await writeFile(join(root, "d", "secret.txt"), "INSIDE");
    const dir = makeDirCap(root);
    await symlink(join(outside, "secret.txt"), join(root, "evil-file"));
    await symlink(outside, join(root, "evil-dir"));
    let stop = false;
    let swaps = 0;
    const swap = async (name: string, evil: string) => {
      await hostRename(join(root, name), join(root, `${name}.parked`));
      await hostRename(join(root, evil), join(root, name));
      await hostRename(join(root, name), join(root, evil));
      await hostRename(join(root, `${name}.parked`), join(root, name));
    };
    const swapper = (async () => {
      // Bounded: at most 5000 rounds.
      while (!stop && swaps < 5000) {
        await Promise.all([swap("victim.txt", "evil-file"), swap("d", "evil-dir")]);
        swaps++;
      }
    })();
    const readStream = async (p: string) => {
      const s = await dir.openRead(p);
      let t = "";
      for await (const c of s) t += new TextDecoder().decode(c);
      return t;
    };
    const seen = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const results = await Promise.allSettled([
        dir.readFile("victim.txt", { encoding: "utf8" }),
        dir.readFile("d/secret.txt", { encoding: "utf8" }),
        dir.readFile("d/secret.txt", { encoding: "utf8" }),
        readStream("victim.txt"),
        readStream("d/secret.txt"),
      ]);
      for (const r of results) {
        const key = r.status === "fulfilled" ? r.value : (r.reason as { code: string }).code;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    stop = true;
    await swapper;
    expect(swaps).toBeGreaterThan(10);
    expect(seen.has("SECRET")).toBe(false);
    for (const k of seen.keys())
      expect(["INSIDE", "ENOENT", "FS_OUTSIDE_ROOT", "FS_PATH_CHANGED"]).toContain(k);
    expect(seen.get("INSIDE") ?? 0).toBeGreaterThan(0);
  });

  it("invariant 3 (host backend): a parent directory swapped for a link during changes never changes outside", async () => {
    const dir = makeDirCap(root);
    await mkdir(join(root, "d", "e"), { recursive: true });
    await mkdir(join(outside, "e"));
    await writeFile(join(outside, "e", "secret.txt"), "SECRET");
    await symlink(outside, join(root, "evil-dir"));
    let stop = false;
    let swaps = 0;
    const swapper = (async () => {
      // Bounded: at most 5000 rounds.
      while (!stop && swaps < 5000) {
        await hostRename(join(root, "d"), join(root, "d-parked"));
        await hostRename(join(root, "evil-dir"), join(root, "d"));
        await hostRename(join(root, "d"), join(root, "evil-dir"));
        await hostRename(join(root, "d-parked"), join(root, "d"));
        swaps++;
      }
    })();
    for (let i = 0; i < 800; i++) {
      await Promise.allSettled([
        dir.writeFile("d/e/secret.txt", "PWNED"),
        dir.appendFile("d/e/new.txt", "PWNED"),
        dir.mkdir("d/e/newdir"),
        dir.rm("d/e/newdir", { recursive: true }),
        dir.rm("d/e/secret.txt"),
        dir.rename("a.txt", "d/e/a.txt").then(() => dir.rename("d/e/a.txt", "a.txt")),
      ]);
    }
    stop = true;
    await swapper;
    expect(swaps).toBeGreaterThan(10);
    const { readdir } = await import("node:fs/promises");
    expect(await readFile(join(outside, "e", "secret.txt"), "utf8")).toBe("SECRET");
    expect((await readdir(outside, { recursive: true })).sort()).toEqual([
      "e",
      "e/secret.txt",
      "secret.txt",
    ]);
  });

  it("TOCTOU on a copy destination: a link placed at the destination is never written through", async () => {
    const dir = makeDirCap(root);
    let stop = false;
    let n = 0;
    const swapper = (async () => {
      while (!stop && n < 5000) {
        await symlink(join(outside, "secret.txt"), join(root, "dest.txt")).catch(() => {});
        await unlink(join(root, "dest.txt")).catch(() => {});
        n++;
      }
    })();
    for (let i = 0; i < 400; i++) {
      await Promise.allSettled([dir.copy("a.txt", "dest.txt"), dir.writeFile("dest.txt", "PWNED")]);
    }
    stop = true;
    await swapper;
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("SECRET");
  });
});
