// cli-prompt.ts: on a terminal, an ungranted file access is asked about
// (invariant 1 says when, 2 how it is shown, 3 what counts as yes, 4 where
// "s" saves). The command runs in this process with terminal-like streams.
import { PassThrough } from "node:stream";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli } from "../src/cli-main.js";
import { makeTerminalPrompt } from "../src/cli-prompt.js";
import { cliExitCodes } from "../src/cli-exit-codes.js";
import { terminalSafe } from "../src/cli-escape.js";
import fc from "fast-check";

const tty = () => Object.assign(new PassThrough(), { isTTY: true });

/** A working directory with data/a.txt and a plugin that reads `path` twice. */
const workspace = async (path = "/data/a.txt") => {
  const cwd = await mkdtemp(join(tmpdir(), "pc-prompt-"));
  await mkdir(join(cwd, "data"));
  await writeFile(join(cwd, "data/a.txt"), "hello");
  await mkdir(join(cwd, "plug"));
  await writeFile(join(cwd, "plug/package.json"), '{"name":"plug","type":"module"}');
  await writeFile(
    join(cwd, "plug/index.js"),
    `export async function main(caps) {
      const first = await caps.fs.readFile(${JSON.stringify(path)}, { encoding: "utf8" }).catch((e) => e.code);
      const second = await caps.fs.readFile(${JSON.stringify(path)}, { encoding: "utf8" }).catch((e) => e.code);
      return { first, second };
    }`,
  );
  return cwd;
};

/** Runs the command with `replies` typed at a terminal; resolves to its code and outputs. */
const run = async (cwd: string, flags: string[], replies: string | null, terminal = true) => {
  const stdin = terminal ? tty() : new PassThrough();
  const stderr = terminal ? tty() : new PassThrough();
  const stdout = new PassThrough();
  let err = "";
  let out = "";
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  if (replies === null) stdin.end();
  else stdin.write(replies);
  const code = await runCli(["run", "plug/index.js", ...flags], { stdout, stderr, cwd, stdin });
  stdin.end();
  return { code, stdout: out, stderr: err };
};

describe("on a terminal (invariant 1)", () => {
  test('"y" allows once: the second read asks again, and "n" refuses it', async () => {
    const r = await run(await workspace(), [], "y\nn\n");
    expect(r.stdout).toBe('{"first":"hello","second":"POLICY_FS_DENIED"}\n');
    expect(r.stderr.match(/wants to read \.\/data\/a\.txt, which no grant covers/g)).toHaveLength(
      2,
    );
    expect(r.stderr).not.toContain("[s]");
  });

  test('"a" allows for the rest of the run, asked once', async () => {
    const r = await run(await workspace(), [], "a\n");
    expect(r.stdout).toBe('{"first":"hello","second":"hello"}\n');
    expect(r.stderr.match(/Allow\?/g)).toHaveLength(1);
  });

  test('"s" saves to the --policy file, which the next run uses without asking (invariant 4)', async () => {
    const cwd = await workspace();
    await writeFile(join(cwd, "policy.json"), '{ "plugins": {} }\n');
    const first = await run(cwd, ["--policy=policy.json"], "s\n");
    expect(first.stdout).toBe('{"first":"hello","second":"hello"}\n');
    expect(first.stderr).toContain("saved to policy.json");
    expect(JSON.parse(await readFile(join(cwd, "policy.json"), "utf8"))).toEqual({
      plugins: { plug: { fs: { read: ["./data/a.txt"] } } },
    });
    const second = await run(cwd, ["--policy=policy.json"], null);
    expect(second.stdout).toBe('{"first":"hello","second":"hello"}\n');
    expect(second.stderr).not.toContain("Allow?");
  });

  test("the end of input is a no (invariant 3)", async () => {
    const r = await run(await workspace(), [], null);
    expect(r.code).toBe(cliExitCodes.OK);
    expect(r.stdout).toBe('{"first":"POLICY_FS_DENIED","second":"POLICY_FS_DENIED"}\n');
  });

  test("a path with 8-bit terminal escapes or bidi overrides is shown escaped (invariant 2)", async () => {
    const r = await run(await workspace("/data/\u009b2K\u009b1A\u202eyes.txt"), [], "n\n");
    expect(r.stderr).not.toMatch(/[\u009b\u202e]/);
    expect(r.stderr).toContain("\\u009b2K\\u009b1A\\u202eyes.txt");
  });
});

describe("network peers", () => {
  test('a peer is asked about as "reach host:port", and "s" saves it to the policy\'s net list', async () => {
    const cwd = await mkdtemp(join(tmpdir(), "pc-prompt-net-"));
    const file = join(cwd, "policy.json");
    await writeFile(file, '{ "plugins": { "p": { "fs": { "read": ["./a"] } } } }');
    const stdin = tty();
    const stderr = tty();
    let shown = "";
    stderr.on("data", (c: Buffer) => (shown += c.toString()));
    const prompt = makeTerminalPrompt({ stdin, stderr }, "p", { path: file, label: "policy.json" });
    stdin.write("s\n");
    expect(await prompt?.ask({ access: "net", target: "api.example.com:443" })).toBe("always");
    prompt?.close();
    expect(shown).toContain('plugin "p" wants to reach api.example.com:443');
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      plugins: { p: { fs: { read: ["./a"] }, net: ["api.example.com:443"] } },
    });
  });
});

describe("never asked (invariant 1)", () => {
  test("with --no-prompt", async () => {
    const r = await run(await workspace(), ["--no-prompt"], "y\n");
    expect(r.stderr).not.toContain("Allow?");
    expect(r.stdout).toContain("POLICY_FS_DENIED");
  });

  test("on a pipe", async () => {
    const r = await run(await workspace(), [], "y\n", false);
    expect(r.stderr).not.toContain("Allow?");
    expect(r.stdout).toContain("POLICY_FS_DENIED");
    expect(makeTerminalPrompt({ stdin: new PassThrough(), stderr: tty() }, "p", undefined)).toBe(
      undefined,
    );
  });
});

describe("terminalSafe (cli-escape.ts)", () => {
  test("property: nothing that controls a terminal or reorders text survives", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(terminalSafe(text)).not.toMatch(
          // eslint-disable-next-line no-control-regex -- the class under test
          /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u,
        );
      }),
    );
  });
});
