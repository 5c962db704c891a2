import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { makeResourceScope } from "../src/resource-scope.js";
import { makeSubprocessCap, type SubprocessOptions } from "../src/subprocess-cap.js";

const dir = realpathSync(mkdtempSync(join(tmpdir(), "pc-subprocess-")));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (err: { code?: string }) => err.code,
  );

const echo = (args: SubprocessOptions["args"], extra: Partial<SubprocessOptions> = {}) =>
  makeSubprocessCap({
    name: "echo",
    executable: "/bin/echo",
    args,
    cwd: dir,
    timeoutMs: 5000,
    maxOutputBytes: 1 << 16,
    ...extra,
  });

/** A `node -e SCRIPT` capability whose only free argument is the script. */
const nodeScript = (extra: Partial<SubprocessOptions> = {}) =>
  makeSubprocessCap({
    name: "node",
    executable: process.execPath,
    args: ["-e", /[\s\S]*/],
    cwd: dir,
    timeoutMs: 5000,
    maxOutputBytes: 1 << 16,
    ...extra,
  });

/** Whether a process is gone or at least dead (a zombie owned by someone else). */
const deadOrZombie = (pid: number): boolean => {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    const state = readFileSync(stat, "utf8").replace(/^.*\) /s, "")[0];
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
};

/** Bounded wait (1 s) for SIGKILL delivery to complete. */
const waitDead = async (pid: number) => {
  for (let i = 0; i < 50 && !deadOrZombie(pid); i += 1)
    await new Promise((res) => setTimeout(res, 20));
};

describe("makeSubprocessCap", () => {
  it("runs the one program with checked arguments; result is plain hardened data", async () => {
    const cap = echo(["hello", /[a-z]+/]);
    const r = await cap.run(["hello", "world"]);
    expect(text(r.stdout)).toBe("hello world\n");
    expect(r).toMatchObject({ exitCode: 0, signal: null, timedOut: false, truncated: false });
    expect(Object.getPrototypeOf(r.stdout)).toBe(Uint8Array.prototype);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.keys(cap)).toEqual(["run"]);
  });

  it("invariant 1: shell metacharacters reach the program literally", async () => {
    const cap = echo([/.*/]);
    const marker = join(dir, "pwned");
    for (const evil of [
      `; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `| touch ${marker}`,
      "&& id",
    ]) {
      const r = await cap.run([evil]);
      expect(text(r.stdout)).toBe(`${evil}\n`);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("invariant 2: patterns must match fully, count must match, strings only", async () => {
    const cap = echo(["--", /[a-z]+\.txt/]);
    expect(text((await cap.run(["--", "a.txt"])).stdout)).toBe("-- a.txt\n");
    for (const bad of [
      ["--", "a.txt;rm"],
      ["--", "xa.txt\n"],
      ["--", "--help"],
      ["--", "-rf"],
      ["-n", "a.txt"],
      ["--", "a.txt", "b.txt"],
      ["--"],
      [],
    ]) {
      expect(await codeOf(cap.run(bad))).toBe("SUBPROCESS_ARG_DENIED");
    }
    let ran = false;
    const hostile = {
      toString() {
        ran = true;
        return "a.txt";
      },
    };
    expect(await codeOf(cap.run(["--", hostile as unknown as string]))).toBe(
      "SUBPROCESS_ARG_DENIED",
    );
    expect(await codeOf(cap.run(["--", 1 as unknown as string]))).toBe("SUBPROCESS_ARG_DENIED");
    expect(await codeOf(cap.run("-- a.txt" as unknown as string[]))).toBe("SUBPROCESS_ARG_DENIED");
    expect(await codeOf(echo([/.*/]).run(["a\0b"]))).toBe("SUBPROCESS_ARG_DENIED");
    expect(ran).toBe(false);
  });

  it("invariant 2 (property): an argument runs iff it fully matches, and then reaches the program verbatim", async () => {
    const cap = echo(["--", /[a-z]{1,8}/]);
    const alphabet = fc.constantFrom(..."ab-;|$()`'\"\n *?~&<>");
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: alphabet, maxLength: 10 }), async (arg) => {
        const outcome = await cap.run(["--", arg]).then(
          (r) => text(r.stdout),
          (e: { code?: string }) => e.code,
        );
        if (/^[a-z]{1,8}$/.test(arg)) expect(outcome).toBe(`-- ${arg}\n`);
        else expect(outcome).toBe("SUBPROCESS_ARG_DENIED");
      }),
      { numRuns: 80 },
    );
  });

  it("invariant 2: a global/sticky host RegExp has no lastIndex state; alternations are anchored as a group", async () => {
    const g = /ab|cd/g;
    const cap = echo([g]);
    expect((await cap.run(["ab"])).exitCode).toBe(0);
    expect((await cap.run(["ab"])).exitCode).toBe(0);
    expect((await cap.run(["cd"])).exitCode).toBe(0);
    expect(await codeOf(cap.run(["abcd"]))).toBe("SUBPROCESS_ARG_DENIED");
    expect(await codeOf(cap.run(["xab"]))).toBe("SUBPROCESS_ARG_DENIED");
  });

  it("invariant 2: arguments are copied once (a proxy cannot swap them after the check)", async () => {
    const cap = echo([/safe/]);
    let reads = 0;
    const swapping = new Proxy(["safe"], {
      get(target, key, receiver) {
        if (key === "0") return reads++ === 0 ? "safe" : "; evil";
        return Reflect.get(target, key, receiver);
      },
    });
    const r = await cap.run(swapping);
    expect(text(r.stdout)).toBe("safe\n");
    expect(reads).toBe(1);
  });

  it("invariant 2: a predicate sees a frozen copy", async () => {
    let seen: readonly string[] = [];
    const cap = echo((args) => {
      seen = args;
      return args.length === 1 && args[0] === "ok";
    });
    expect(text((await cap.run(["ok"])).stdout)).toBe("ok\n");
    expect(Object.isFrozen(seen)).toBe(true);
    expect(await codeOf(cap.run(["no"]))).toBe("SUBPROCESS_ARG_DENIED");
  });

  it("invariant 3: the child sees exactly the given env and the fixed cwd", async () => {
    process.env.PC_TEST_SECRET = "leaked";
    try {
      const cap = nodeScript({ env: { FOO: "bar" } });
      const r = await cap.run([
        "-e",
        "console.log(JSON.stringify({ env: process.env, cwd: process.cwd() }))",
      ]);
      const seen = JSON.parse(text(r.stdout)) as { env: Record<string, string>; cwd: string };
      expect(seen.env).toEqual({ FOO: "bar" });
      expect(seen.cwd).toBe(dir);
    } finally {
      delete process.env.PC_TEST_SECRET;
    }
  });

  it("reports exit codes and stderr", async () => {
    const r = await nodeScript().run(["-e", "process.stderr.write('bad'); process.exit(3)"]);
    expect(r.exitCode).toBe(3);
    expect(text(r.stderr)).toBe("bad");
  });

  it("invariant 4: on timeout the process group is killed and the child reaped (no zombie, no orphan)", async () => {
    const cap = nodeScript({ timeoutMs: 700 });
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log(process.pid + " " + g.pid);
      setInterval(() => {}, 1000);`;
    const r = await cap.run(["-e", script]);
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    const [child, grandchild] = text(r.stdout).trim().split(" ").map(Number);
    expect(child).toBeGreaterThan(0);
    expect(grandchild).toBeGreaterThan(0);
    // The child was reaped by us: no /proc entry at all.
    expect(existsSync(`/proc/${child}`)).toBe(false);
    // The grandchild was sent SIGKILL with the group before run settled; the
    // kernel finishes it asynchronously (gone, or a zombie of init's).
    await waitDead(grandchild!);
    expect(deadOrZombie(grandchild!)).toBe(true);
  });

  it("invariant 4: processes left behind in the group after a normal exit are killed", async () => {
    const cap = nodeScript();
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      g.unref();
      console.log(g.pid);`;
    const r = await cap.run(["-e", script]);
    expect(r.exitCode).toBe(0);
    expect(r.timedOut).toBe(false);
    const grandchild = Number(text(r.stdout).trim());
    // Killed as soon as the child exited; give the kernel a moment to finish it.
    await waitDead(grandchild);
    expect(deadOrZombie(grandchild)).toBe(true);
  });

  it("invariant 5: an output flood is cut at maxOutputBytes and the child killed", async () => {
    const cap = nodeScript({ maxOutputBytes: 100_000 });
    const r = await cap.run([
      "-e",
      "const s = 'x'.repeat(65536); for (;;) process.stdout.write(s)",
    ]);
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(100_000);
    expect(r.signal).toBe("SIGKILL");
    expect(r.timedOut).toBe(false);
  });

  it("invariants 4 and 8: closing the scope kills a running child, whose run and later runs are REVOKED", async () => {
    const scope = makeResourceScope("plugin");
    const cap = nodeScript({ scope, timeoutMs: 10_000 });
    const running = cap.run(["-e", "console.log('up'); setInterval(() => {}, 1000)"]);
    // wait until the child is tracked, then revoke
    for (let i = 0; i < 100 && scope.size === 0; i += 1)
      await new Promise((res) => setTimeout(res, 10));
    expect(scope.size).toBe(1);
    let settled = false;
    const outcome = codeOf(running.finally(() => (settled = true)));
    await scope.close("plugin disabled");
    expect(settled).toBe(true); // reaped before close resolved
    expect(await outcome).toBe("REVOKED");
    expect(await codeOf(cap.run(["-e", "1"]))).toBe("REVOKED");
  });

  it("invariant 6: errors never reveal the executable path or cwd", async () => {
    const missing = makeSubprocessCap({
      name: "tool",
      executable: "/nonexistent/secret-dir/tool",
      args: [],
      cwd: dir,
      timeoutMs: 1000,
      maxOutputBytes: 10,
    });
    const err = (await missing.run([]).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe("SUBPROCESS_FAILED");
    expect(err.message).toBe("Could not start tool.");
    expect(JSON.stringify(Object.getOwnPropertyNames(err))).not.toMatch(/path|spawnargs|errno/);

    const denied = (await echo(["x"])
      .run(["y"])
      .catch((e: unknown) => e)) as Error;
    expect(denied.message).toMatchInlineSnapshot(
      `"Denied: running echo with argument 1 "y": it must be "x". The grant allows other arguments only."`,
    );
    expect(denied.message).not.toContain("/bin/echo");
    expect(denied.message).not.toContain(dir);
  });

  it("invariant 7: concurrent runs are limited; slots free when runs end", async () => {
    const cap = nodeScript({ maxConcurrent: 2, timeoutMs: 10_000 });
    const slow = ["-e", "setTimeout(() => {}, 300)"];
    const a = cap.run(slow);
    const b = cap.run(slow);
    expect(await codeOf(cap.run(slow))).toBe("SUBPROCESS_LIMIT");
    expect((await a).exitCode).toBe(0);
    expect((await b).exitCode).toBe(0);
    expect((await cap.run(["-e", "0"])).exitCode).toBe(0);
  });

  it("rejects invalid host options", () => {
    const base = {
      executable: "/bin/echo",
      args: [],
      cwd: dir,
      timeoutMs: 1000,
      maxOutputBytes: 10,
    };
    expect(() => makeSubprocessCap({ ...base, executable: "echo" })).toThrow(/absolute/);
    expect(() => makeSubprocessCap({ ...base, cwd: "." })).toThrow(/absolute/);
    expect(() => makeSubprocessCap({ ...base, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => makeSubprocessCap({ ...base, env: { A: 1 as unknown as string } })).toThrow(/env/);
  });
});
