// Policy files, manifests, --audit and `policy generate`, through the real
// CLI (node dist/cli.js in a child process). Compartment isolation only.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { cliExitCodes } from "../src/cli-exit-codes.js";
import { checkAgainstSchema } from "@padded-cell/host";
import { build, cli, fixture, join, workdir, writeFile } from "./fixtures/cli/harness.js";

// The CLI starts a process per run: keep a margin for a loaded machine (load 4).
vi.setConfig({ testTimeout: 60_000 });
let dir = "";
beforeAll(async () => {
  await build();
  dir = await workdir();
}, 60_000);

const readFileEntry = fixture("read-file/index.js");
const policy = async (name: string, value: unknown): Promise<string> => {
  await writeFile(join(dir, name), typeof value === "string" ? value : JSON.stringify(value));
  return name;
};

describe.concurrent("policy files", () => {
  test("a plugin the policy does not name gets nothing from it (invariant 2 of policy-file)", async () => {
    const file = await policy("other.json", { plugins: { someone: { fs: { read: ["."] } } } });
    const r = await cli(["run", readFileEntry, "--policy", file], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain('has no entry for plugin "read-file"');
  });

  test("deny in a policy wins over an allow flag", async () => {
    const file = await policy("deny.json", {
      plugins: { "read-file": { deny: { fs: { read: ["./data/a.txt"] } } } },
    });
    const r = await cli(["run", readFileEntry, "--policy", file, "--allow-read"], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain("deny wins");
  });

  const invalid: [string, unknown, string][] = [
    [
      "a wrong type",
      { plugins: { "read-file": { fs: { read: "./data" } } } },
      "at /plugins/read-file/fs/read: expected a value of type array",
    ],
    [
      "an unknown field",
      { plugins: { "read-file": { netz: [] } } },
      "at /plugins/read-file/netz: expected no such field here",
    ],
    [
      "a bad enum",
      { plugins: { "read-file": { isolation: "vm" } } },
      'at /plugins/read-file/isolation: expected one of "compartment", "worker", "process"',
    ],
    [
      "a bad size",
      { plugins: { "read-file": { limits: { memory: "lots" } } } },
      "at /plugins/read-file/limits/memory: expected Heap limit, a size like 64mb",
    ],
    ["a missing field", {}, "at /plugins: expected this field, which is required"],
    [
      "a path outside the working directory",
      { plugins: { "read-file": { fs: { read: ["./data", "../x"] } } } },
      "at /plugins/read-file/fs/read/1: expected a path inside the working directory",
    ],
    [
      "a bad env name",
      { plugins: { "read-file": { env: ["A B"] } } },
      "at /plugins/read-file/env/0: expected An environment variable name",
    ],
    ["text that is not JSON", '{"plugins": {', "at /: expected JSON ("],
  ];
  for (const [i, [what, value, message]] of invalid.entries()) {
    test(`an invalid policy (${what}) exits 2 naming file, field and expectation`, async () => {
      const file = await policy(`bad-${what.replace(/\W/g, "-")}.json`, value);
      // The first case goes through `run`; the others through `policy check` (same loader, faster).
      const args = i === 0 ? ["run", readFileEntry, "--policy", file] : ["policy", "check", file];
      const r = await cli(args, dir);
      expect(r.code).toBe(cliExitCodes.USAGE);
      expect(r.stderr).toContain(`POLICY_INVALID: Invalid policy file ${file}: ${message}`);
      expect(r.stdout).toBe("");
    });
  }

  test("policy check: valid and invalid files", async () => {
    const good = await policy("check-ok.json", {
      plugins: { a: { net: ["api.example.com:443"], limits: { timeout: "5s" } } },
    });
    const ok = await cli(["policy", "check", good], dir);
    expect(ok.code).toBe(cliExitCodes.OK);
    const bad = await policy("check-bad.json", { plugins: { a: { net: ["no spaces allowed"] } } });
    const r = await cli(["policy", "check", bad], dir);
    expect(r.code).toBe(cliExitCodes.USAGE);
    expect(r.stderr).toContain("at /plugins/a/net/0: expected host:port");
  });
});

describe.concurrent("manifests", () => {
  test("a plugin gets the intersection of what it wants and what is allowed, and hears what it did not get", async () => {
    const file = await policy("wide.json", {
      plugins: { "wants-plugin": { fs: { read: ["."] }, env: ["LANG"] } },
    });
    const r = await cli(["run", fixture("manifest-wants/index.js"), "--policy", file], dir);
    expect(r.code).toBe(cliExitCodes.OK);
    // The policy allows all of ".", but the plugin asked only for ./data: it gets ./data.
    expect(JSON.parse(r.stdout)).toEqual({
      text: "hello",
      lang: "en_US.UTF-8",
      other: "POLICY_FS_DENIED",
      home: "ENV_DENIED",
    });
    expect(r.stderr).toContain(
      `plugin "wants-plugin" wanted env HOME, which neither the flags nor the policy ${file} allow`,
    );
    expect(r.stderr).toContain("wanted net api.example.com:443");
  });

  test("wanting more than the policy allows gives only the policy's part (never more)", async () => {
    const file = await policy("narrow.json", {
      plugins: { "wants-plugin": { fs: { read: ["./data/a.txt"] } } },
    });
    const r = await cli(["run", fixture("manifest-wants/index.js"), "--policy", file], dir);
    expect(r.stderr).toContain(
      `wanted fs.read ./data, which neither the flags nor the policy ${file} allow; it gets only ./data/a.txt`,
    );
    // It read /data/a.txt, then LANG was not given: ENV_DENIED ends the run.
    expect(r.code).toBe(cliExitCodes.DENIED);
    expect(r.stderr).toContain("--allow-env=LANG");
  });

  test("a valid policy grants what it lists, by plugin name; a plugin folder runs the entry its manifest names", async () => {
    const file = await policy("folder.json", {
      plugins: { "wants-plugin": { fs: { read: ["./data"] }, env: ["LANG"] } },
    });
    const r = await cli(["run", fixture("manifest-wants"), "--policy", file], dir);
    expect(r.code).toBe(cliExitCodes.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ text: "hello", lang: "en_US.UTF-8" });
    const none = await cli(["run", fixture("read-file")], dir);
    expect(none.code).toBe(cliExitCodes.USAGE);
    expect(none.stderr).toContain('has no manifest "entry"');
  });

  test("an invalid manifest exits 2 naming file, field and expectation", async () => {
    const r = await cli(["run", fixture("bad-manifest/index.js"), "--allow-read"], dir);
    expect(r.code).toBe(cliExitCodes.USAGE);
    expect(r.stderr).toContain("MANIFEST_INVALID: Invalid plugin manifest");
    expect(r.stderr).toContain(
      'package.json (field "paddedCell"): at /wants/fs/read/1: expected a value of type string',
    );
  });
});

describe("--audit and policy generate", () => {
  test("the generated policy allows the recorded run and nothing more", async () => {
    const run1 = await cli(
      [
        "run",
        fixture("read-many/index.js"),
        "--allow-read",
        "--allow-write=./out",
        "--allow-env",
        "--audit=run.jsonl",
      ],
      dir,
    );
    expect(run1.code).toBe(cliExitCodes.OK);
    const lines = (await readFile(join(dir, "run.jsonl"), "utf8")).trim().split("\n");
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // One record per call of the plugin; names only (LANG's name, never its value).
    expect(records.map((r) => [r.grant, r.method, r.outcome, r.uses])).toEqual([
      ["fs", "readFile", "allowed", [{ access: "read", name: "/data/a.txt" }]],
      ["fs", "readFile", "allowed", [{ access: "read", name: "/data/b.txt" }]],
      ["fs", "writeFile", "allowed", [{ access: "write", name: "/out/result.txt" }]],
      ["env", "get", "allowed", [{ access: "env", name: "LANG" }]],
    ]);
    expect(lines.join("\n")).not.toContain("en_US");
    expect(lines.join("\n")).not.toContain("hello");

    const gen = await cli(
      ["policy", "generate", "--audit", "run.jsonl", "--name", "read-many"],
      dir,
    );
    expect(gen.code).toBe(cliExitCodes.OK);
    const generated = JSON.parse(gen.stdout) as unknown;
    expect(generated).toEqual({
      plugins: {
        "read-many": {
          fs: { read: ["./data/a.txt", "./data/b.txt"], write: ["./out/result.txt"] },
          env: ["LANG"],
        },
      },
    });
    expect(() => checkAgainstSchema("policy", generated, "generated")).not.toThrow();
    await writeFile(join(dir, "generated.json"), gen.stdout);

    const again = await cli(
      ["run", fixture("read-many/index.js"), "--policy", "generated.json"],
      dir,
    );
    expect(again.code).toBe(cliExitCodes.OK);
    expect(JSON.parse(again.stdout)).toEqual({ a: "hello", b: "world", lang: "en_US.UTF-8" });
    // Nothing more: the same plugin folder reading one more file is denied.
    const more = await cli(
      ["run", fixture("read-many/other.js"), "--policy", "generated.json"],
      dir,
    );
    expect(more.code).toBe(cliExitCodes.DENIED);
    expect(more.stderr).toContain("--allow-read=./data/secret.txt");
    // Four CLI runs in a row: minutes on a loaded machine (scripts/with-busy-cores.sh).
  }, 240_000);

  test("denied calls are recorded as denied and left out of the generated policy", async () => {
    const r = await cli(["run", readFileEntry, "--audit"], dir);
    expect(r.code).toBe(cliExitCodes.DENIED);
    const text = await readFile(join(dir, "padded-cell.audit.jsonl"), "utf8");
    const record = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(record).toMatchObject({
      cell: "read-file",
      grant: "fs",
      outcome: "denied",
      code: "POLICY_FS_DENIED",
    });
    const gen = await cli(["policy", "generate", "--audit", "padded-cell.audit.jsonl"], dir);
    expect(gen.code).toBe(cliExitCodes.OK);
    expect(JSON.parse(gen.stdout)).toEqual({ plugins: {} });
    expect(gen.stderr).toContain("1 denied calls were left out");
  });

  test("the cell can neither read its audit nor rewrite its policy (invariant 5 of cli-run)", async () => {
    const file = await policy("self.json", {
      plugins: { probe: { fs: { read: ["."], write: ["."] } } },
    });
    const r = await cli(
      [
        "run",
        fixture("probe/index.js"),
        "--policy",
        file,
        "--allow-env=PROBE,WRITE",
        "--audit=self.jsonl",
      ],
      dir,
      { PROBE: "/self.jsonl,/data/a.txt", WRITE: "/self.jsonl,/self.json,/out/ok.txt" },
    );
    expect(r.code).toBe(cliExitCodes.OK);
    const report = JSON.parse(r.stdout) as Record<string, string>;
    expect(report["/self.jsonl"]).toMatch(/^POLICY_RULE_DENIED: .*--deny-read=\.\/self\.jsonl/);
    expect(report["/data/a.txt"]).toBe("text:hello");
    expect(report["write /self.jsonl"]).toMatch(
      /^POLICY_RULE_DENIED: .*--deny-write=\.\/self\.jsonl/,
    );
    expect(report["write /self.json"]).toMatch(
      /^POLICY_RULE_DENIED: .*--deny-write=\.\/self\.json/,
    );
    expect(report["write /out/ok.txt"]).toBe("written");
    expect(await readFile(join(dir, "self.json"), "utf8")).not.toContain("forged");
  });

  test("an audit that is not JSON lines is bad usage", async () => {
    await writeFile(
      join(dir, "broken.jsonl"),
      '{"cell":"a","outcome":"allowed","uses":[]}\nnot json\n',
    );
    const r = await cli(["policy", "generate", "--audit", "broken.jsonl"], dir);
    expect(r.code).toBe(cliExitCodes.USAGE);
    expect(r.stderr).toContain("Audit line 2: not JSON");
  });
});
