import fc from "fast-check";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDirCap } from "../src/fs/fs-dir-cap.js";
import { makeFsPromisesFacade } from "../src/fs/fs-promises-facade.js";
import type { DirCap } from "../src/fs/fs-types.js";

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "pc-leak-"));
  root = join(base, "root");
  await mkdir(join(root, "d", "e"), { recursive: true });
  await mkdir(join(base, "outside"));
  await writeFile(join(base, "outside", "s"), "S");
  await writeFile(join(root, "f"), "F");
  await writeFile(join(root, "d", "g"), "G");
  await symlink(join(base, "outside"), join(root, "out"));
  await symlink("../outside/s", join(root, "rel"));
  await symlink("loop", join(root, "loop"));
  await symlink("nowhere", join(root, "dangling"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const pathPiece = fc.constantFrom(
  "f",
  "d",
  "e",
  "g",
  "out",
  "rel",
  "loop",
  "dangling",
  "s",
  "..",
  ".",
  "",
  "x",
  "\0",
  "%2e",
);
const pathArb = fc.oneof(
  fc.array(pathPiece, { maxLength: 5 }).map((xs) => xs.join("/")),
  fc.array(pathPiece, { maxLength: 5 }).map((xs) => `/${xs.join("/")}`),
  fc.string({ maxLength: 10 }),
);

type Op = (dir: DirCap, a: string, b: string) => Promise<unknown>;
const ops: Record<string, Op> = {
  readFile: (d, a) => d.readFile(a),
  writeFile: (d, a) => d.writeFile(a, "w"),
  appendFile: (d, a) => d.appendFile(a, "w"),
  readdir: (d, a) => d.readdir(a),
  stat: (d, a) => d.stat(a),
  lstat: (d, a) => d.lstat(a),
  mkdir: (d, a) => d.mkdir(a),
  mkdirRecursive: (d, a) => d.mkdir(a, { recursive: true }),
  rm: (d, a) => d.rm(a),
  rename: (d, a, b) => d.rename(a, b),
  copy: (d, a, b) => d.copy(a, b),
  openRead: async (d, a) => {
    const s = await d.openRead(a);
    for await (const _ of s);
  },
  openWrite: async (d, a) => (await d.openWrite(a)).close(),
  sub: async (d, a) => d.sub(a).readdir("/"),
  readOnly: (d, a) => d.readOnly().writeFile(a, "x"),
  filtered: (d, a, b) => d.filter("d/**").rename(a, b),
  quota: (d, a) => d.withQuota({ bytes: 0, files: 0 }).writeFile(a, "xx"),
  facadeReaddir: (d, a) =>
    makeFsPromisesFacade(d).readdir(a, { withFileTypes: true, recursive: true }),
  facadeCp: (d, a, b) => makeFsPromisesFacade(d).cp(a, b, { recursive: true }),
};

const strings = (x: unknown, seen = new Set<unknown>()): string[] => {
  if (typeof x === "string") return [x];
  if (typeof x !== "object" || x === null || seen.has(x)) return [];
  seen.add(x);
  const out: string[] = [];
  for (const k of Reflect.ownKeys(x)) {
    const desc = Object.getOwnPropertyDescriptor(x, k);
    if (desc && "value" in desc) out.push(...strings(desc.value, seen));
  }
  return out;
};

describe("no host path in any error or result", () => {
  it("property (invariant 5 of the core, 1 of fs-failure): for any operation and paths, nothing shown holds the host root", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(ops)),
        pathArb,
        pathArb,
        async (name, a, b) => {
          // Operations may remove the links; put them back so every run can meet them.
          await symlink(join(base, "outside"), join(root, "out")).catch(() => {});
          await symlink("../outside/s", join(root, "rel")).catch(() => {});
          const dir = makeDirCap(root, { name: "grant" });
          let shown: unknown;
          try {
            shown = await ops[name]!(dir, a, b);
          } catch (e) {
            const err = e as Error & { code?: unknown };
            expect(typeof err.code).toBe("string");
            shown = [err.message, err.stack ?? "", err];
          }
          for (const s of strings(shown)) {
            expect(s.includes(base)).toBe(false);
            expect(s.includes("/proc/self/fd")).toBe(false);
          }
        },
      ),
      { numRuns: 600 },
    );
  });
});
