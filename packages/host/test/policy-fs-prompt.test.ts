// policy-fs-cap.ts, invariant 5: a file access no grant covers is offered to
// `ask` before it is refused; deny entries, read-only and narrowed views
// never ask; what a prompt allows is reached through a capability filtered
// to that one path (a link inside it cannot lead elsewhere).
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { makePolicyDirCap, type FsRules } from "../src/policy/policy-fs-cap.js";
import type { AccessAnswer, AccessRequest } from "../src/policy/policy-ask.js";

let dir = "";
let outside = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "policy-prompt-"));
  outside = await mkdtemp(join(tmpdir(), "policy-prompt-outside-"));
  await mkdir(join(dir, "data/sub"), { recursive: true });
  await writeFile(join(dir, "data/a.txt"), "A");
  await writeFile(join(dir, "data/sub/c.txt"), "C");
  await writeFile(join(dir, "data/secret.txt"), "S");
  await writeFile(join(outside, "host.txt"), "HOST");
  await symlink(join(outside, "host.txt"), join(dir, "data/link.txt"));
});

const rules = (r: Partial<FsRules> = {}): FsRules => ({
  read: [],
  write: [],
  denyRead: [],
  denyWrite: [],
  ...r,
});

/** An `ask` that answers from a script and records what it was asked. */
const scripted = (...answers: AccessAnswer[]) => {
  const asked: AccessRequest[] = [];
  const ask = async (request: AccessRequest): Promise<AccessAnswer> => {
    asked.push(request);
    return answers.shift() ?? "deny";
  };
  return { ask, asked };
};
const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: { code: string }) => e.code,
  );

describe("asking before refusing", () => {
  test('"once" lets one call through; the next one asks again', async () => {
    const { ask, asked } = scripted("once", "deny");
    const fs = makePolicyDirCap(dir, rules(), { ask });
    expect(await fs.readFile("/data/a.txt", { encoding: "utf8" })).toBe("A");
    expect(await codeOf(fs.readFile("/data/a.txt"))).toBe("POLICY_FS_DENIED");
    expect(asked).toEqual([
      { access: "read", target: "./data/a.txt" },
      { access: "read", target: "./data/a.txt" },
    ]);
  });

  test('"always" grants the path, and what lies below it, for the rest of the run, in every view', async () => {
    const { ask, asked } = scripted("always");
    const fs = makePolicyDirCap(dir, rules(), { ask });
    expect((await fs.readdir("/data")).map((e) => e.name)).toContain("a.txt");
    expect(await fs.readFile("/data/sub/c.txt", { encoding: "utf8" })).toBe("C");
    expect(await fs.sub("/data").readFile("/a.txt", { encoding: "utf8" })).toBe("A");
    expect(asked).toHaveLength(1);
  });

  test('"deny" refuses with the usual denial, and is not asked again', async () => {
    const { ask, asked } = scripted("deny");
    const fs = makePolicyDirCap(dir, rules(), { ask });
    expect(await codeOf(fs.writeFile("/data/new.txt", "x"))).toBe("POLICY_FS_DENIED");
    expect(await codeOf(fs.writeFile("/data/new.txt", "x"))).toBe("POLICY_FS_DENIED");
    expect(asked).toEqual([{ access: "write", target: "./data/new.txt" }]);
  });

  test("a write allowed by a prompt writes exactly there", async () => {
    const { ask } = scripted("once");
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"] }), { ask });
    await fs.writeFile("/data/sub/w.txt", "written");
    expect(await readFile(join(dir, "data/sub/w.txt"), "utf8")).toBe("written");
  });
});

describe("what never asks", () => {
  test("a deny entry wins without asking", async () => {
    const { ask, asked } = scripted("always");
    const fs = makePolicyDirCap(dir, rules({ denyRead: ["./data/secret.txt"] }), { ask });
    expect(await codeOf(fs.readFile("/data/secret.txt"))).toBe("POLICY_RULE_DENIED");
    expect(asked).toEqual([]);
  });

  test("a read-only view never asks to write", async () => {
    const { ask, asked } = scripted("always");
    const fs = makePolicyDirCap(dir, rules({ read: ["./data"] }), { ask }).readOnly();
    expect(await codeOf(fs.writeFile("/data/x.txt", "x"))).toBe("FS_DENIED_READ_ONLY");
    expect(asked).toEqual([]);
  });

  test("views narrowed by withQuota or filter never ask (attenuation only narrows)", async () => {
    const { ask, asked } = scripted("always", "always");
    const base = makePolicyDirCap(dir, rules({ write: ["./data/sub"] }), { ask });
    const quota = base.withQuota({ bytes: 10, files: 1 });
    const filtered = base.filter(["data/**"]);
    expect(await codeOf(quota.writeFile("/data/q.txt", "x"))).toBe("POLICY_FS_DENIED");
    expect(await codeOf(filtered.readFile("/data/a.txt"))).toBe("POLICY_FS_DENIED");
    expect(asked).toEqual([]);
  });

  test("a link allowed by a prompt still cannot lead outside the working directory", async () => {
    const { ask } = scripted("always");
    const fs = makePolicyDirCap(dir, rules(), { ask });
    const code = await codeOf(fs.readFile("/data/link.txt"));
    expect(code).not.toBe("ok");
    expect(code).toMatch(/^FS_/);
  });
});
