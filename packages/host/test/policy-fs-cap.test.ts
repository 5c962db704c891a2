// The `fs` grant of a policy: one directory whose / is the working
// directory, reaching only granted paths. Real temp directories, attacks included.
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import type { AccessRecord } from "../src/policy/policy-access-audit.js";
import { makeAccessRecorder } from "../src/policy/policy-access-audit.js";
import { makePolicyDirCap, type FsRules } from "../src/policy/policy-fs-cap.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "policy-fs-"));
  await mkdir(join(dir, "data/sub"), { recursive: true });
  await mkdir(join(dir, "out"));
  await writeFile(join(dir, "data/a.txt"), "A");
  await writeFile(join(dir, "data/notes.md"), "N");
  await writeFile(join(dir, "data/secret.txt"), "SECRET");
  await writeFile(join(dir, "data/sub/c.txt"), "C");
  await writeFile(join(dir, "other.txt"), "OTHER");
  await symlink("../other.txt", join(dir, "data/out-link.txt"));
});

const rules = (r: Partial<FsRules>): FsRules => ({
  read: [],
  write: [],
  denyRead: [],
  denyWrite: [],
  ...r,
});
const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: { code: string }) => e.code,
  );

describe("reads and writes (invariant 1)", () => {
  test("reads under a read grant; refuses the rest naming the flag, never the host path", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"] }));
    expect(await fs.readFile("/data/a.txt", { encoding: "utf8" })).toBe("A");
    const error = await fs.readFile("/other.txt").catch((e: Error & { code: string }) => e);
    expect(error).toMatchObject({
      code: "POLICY_FS_DENIED",
      message:
        'Denied: readFile "/other.txt" (read access was not granted). Run again with --allow-read=./other.txt.',
    });
    expect(JSON.stringify(Object.getOwnPropertyDescriptors(error))).not.toContain(dir);
    expect(await codeOf(fs.writeFile("/data/new.txt", "x"))).toBe("POLICY_FS_DENIED");
  });

  test("a write grant writes and reads; listings show only what is granted", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["./data/a.txt"], write: ["./out"] }));
    await fs.writeFile("/out/w.txt", "W");
    expect(await fs.readFile("/out/w.txt", { encoding: "utf8" })).toBe("W");
    expect(await readFile(join(dir, "out/w.txt"), "utf8")).toBe("W");
    expect((await fs.readdir("/")).map((e) => e.name)).toEqual(["data", "out"]);
    expect((await fs.readdir("/data")).map((e) => e.name)).toEqual(["a.txt"]);
    expect(await codeOf(fs.readFile("/data/notes.md"))).toBe("POLICY_FS_DENIED");
  });

  test("copy reads from a read grant into a write grant, but never into a read-only place", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"], write: ["./out"] }));
    await fs.copy("/data/a.txt", "/out/copy.txt");
    expect(await readFile(join(dir, "out/copy.txt"), "utf8")).toBe("A");
    expect(await codeOf(fs.copy("/out/copy.txt", "/data/copy.txt"))).toBe("POLICY_FS_DENIED");
    expect(await codeOf(fs.rename("/data/a.txt", "/out/moved.txt"))).toBe("POLICY_FS_DENIED");
  });
});

describe("deny wins (invariant 2)", () => {
  test("a deny-read entry refuses reads under it, whatever allows them", async () => {
    const fs = makePolicyDirCap(
      dir,
      rules({ read: ["."], write: ["./data"], denyRead: ["./data/secret.txt"] }),
    );
    await expect(fs.readFile("/data/secret.txt")).rejects.toMatchObject({
      code: "POLICY_RULE_DENIED",
      message: expect.stringContaining("--deny-read=./data/secret.txt"),
    });
    expect(await codeOf(fs.readFile("/data/./sub/../secret.txt"))).toBe("POLICY_RULE_DENIED");
    expect(await fs.readFile("/data/a.txt", { encoding: "utf8" })).toBe("A");
  });

  test("a deny-write entry refuses writes but leaves reads", async () => {
    const fs = makePolicyDirCap(dir, rules({ write: ["."], denyWrite: ["./data"] }));
    expect(await codeOf(fs.writeFile("/data/x.txt", "x"))).toBe("POLICY_RULE_DENIED");
    expect(await codeOf(fs.mkdir("/data/newdir"))).toBe("POLICY_RULE_DENIED");
    expect(await fs.readFile("/data/a.txt", { encoding: "utf8" })).toBe("A");
  });
});

describe("attenuation only narrows (invariant 3)", () => {
  test("sub keeps every check and names grant paths from the cell's /", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"], denyRead: ["./data/secret.txt"] }));
    const data = fs.sub("data");
    expect(await data.readFile("/a.txt", { encoding: "utf8" })).toBe("A");
    expect(await codeOf(data.readFile("../other.txt"))).toBe("FS_OUTSIDE_ROOT");
    expect(await codeOf(data.readFile("/secret.txt"))).toBe("POLICY_RULE_DENIED");
    expect(await codeOf(fs.sub("out").readFile("/w.txt"))).toBe("POLICY_FS_DENIED");
  });

  test("readOnly refuses writes even under a write grant; filter narrows further", async () => {
    const fs = makePolicyDirCap(dir, rules({ write: ["./out"], read: ["./data"] }));
    expect(await codeOf(fs.readOnly().writeFile("/out/ro.txt", "x"))).toBe("FS_DENIED_READ_ONLY");
    const md = fs.sub("data").filter("*.md");
    expect(await md.readFile("/notes.md", { encoding: "utf8" })).toBe("N");
    expect(await codeOf(md.readFile("/a.txt"))).toBe("FS_FILTERED");
    expect(
      await codeOf(fs.withQuota({ bytes: 1, files: 1 }).writeFile("/out/big.txt", "too big")),
    ).toBe("FS_QUOTA_EXCEEDED");
  });
});

describe("attacks", () => {
  test("a link inside a granted directory pointing out of the grant is refused", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"] }));
    expect(await codeOf(fs.readFile("/data/out-link.txt"))).toBe("FS_FILTERED");
  });

  test("names that are not plain are quoted in denials; control characters never reach one", async () => {
    const fs = makePolicyDirCap(dir, rules({}));
    const spaced = (await fs.readFile("/my docs/a.txt").catch((e: Error) => e)) as Error;
    expect(spaced.message).toContain('Run again with --allow-read="./my docs/a.txt".');
    const forged = (await fs.readFile("/a\npadded-cell: ok").catch((e: Error) => e)) as Error & {
      code: string;
    };
    expect(forged.code).toBe("FS_BAD_PATH");
    expect(forged.message).not.toContain("\n");
  });

  test("hostile path objects are refused without running their code", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["."] }));
    let ran = false;
    const hostile = {
      toString() {
        ran = true;
        return "/data/a.txt";
      },
    };
    expect(await codeOf(fs.readFile(hostile as unknown as string))).toBe("FS_BAD_PATH");
    expect(() => fs.sub(hostile as unknown as string)).toThrow(/must be a string/);
    expect(ran).toBe(false);
  });

  test("property: any spelling reads only files under ./data, never OTHER or SECRET", async () => {
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"], denyRead: ["./data/secret.txt"] }));
    const segment = fc.constantFrom(
      "..",
      ".",
      "",
      "data",
      "a.txt",
      "secret.txt",
      "other.txt",
      "sub",
      "c.txt",
      "out-link.txt",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        async (abs, segs) => {
          const path = (abs ? "/" : "") + segs.join("/");
          const text = await fs.readFile(path || "/", { encoding: "utf8" }).catch(() => undefined);
          if (text !== undefined) expect(["A", "C"]).toContain(text);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("access records", () => {
  test("name what each call used, never contents; a throwing sink changes nothing", async () => {
    const records: AccessRecord[] = [];
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"], write: ["./out"] }), {
      record: makeAccessRecorder("c", "fs", (r) => records.push(r)),
    });
    await fs.writeFile("/out/r.txt", "CONTENT");
    await fs.readFile("/other.txt").catch(() => undefined);
    await fs.sub("data").readFile("a.txt");
    expect(records.map((r) => [r.method, r.outcome, r.code, r.uses])).toEqual([
      ["writeFile", "allowed", undefined, [{ access: "write", name: "/out/r.txt" }]],
      ["readFile", "denied", "POLICY_FS_DENIED", [{ access: "read", name: "/other.txt" }]],
      ["readFile", "allowed", undefined, [{ access: "read", name: "/data/a.txt" }]],
    ]);
    expect(JSON.stringify(records)).not.toContain("CONTENT");
    const loud = makePolicyDirCap(dir, rules({ read: ["./data"] }), {
      record: makeAccessRecorder("c", "fs", () => {
        throw new Error("sink down");
      }),
    });
    expect(await loud.readFile("/data/a.txt", { encoding: "utf8" })).toBe("A");
  });
});
