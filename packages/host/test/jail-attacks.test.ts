// Attacks on the jail from inside, without the compartment: the attack code
// runs in a jailed Node with `require` and `process` at hand (as if it had
// broken out of its cell), and only the kernel stands in its way. The same
// attacks run in a plain child process under Node's permission model, the
// process wall's second line, to show what the jail adds: where the plain
// process lets an attack through, the test checks that it does, so the
// attack is known to work and its failure in the jail means something.
import { spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeJailCommand } from "../src/wall/jail/jail-command.js";
import { checkJailSupport, jailSupport } from "../src/wall/jail/jail-support.js";

const RUNNER = fileURLToPath(new URL("./fixtures/jail/attack-runner.cjs", import.meta.url));
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
const PERMISSION = NODE_MAJOR >= 22 ? "--permission" : "--experimental-permission";

interface Outcome {
  readonly value?: unknown;
  readonly error?: string;
}

let secretDir: string;
let granted: string;
let server: Server;
let port: number;
let connections = 0;

const runIn = (where: "jail" | "process", code: string, memoryMb?: number) =>
  new Promise<Outcome>((resolve, reject) => {
    const readRoots = [dirname(RUNNER), granted];
    const { command, args } =
      where === "jail"
        ? makeJailCommand({
            node: process.execPath,
            nodeArgs: [RUNNER, code],
            readOnly: readRoots,
            ...(memoryMb === undefined ? {} : { memoryMb }),
          })
        : {
            command: process.execPath,
            args: [
              PERMISSION,
              ...readRoots.map((d) => `--allow-fs-read=${d}${NODE_MAJOR >= 22 ? "" : "/*"}`),
              RUNNER,
              code,
            ],
          };
    const child = spawn(command, args, { env: {}, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("exit", () => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as Outcome);
      } catch {
        resolve({ error: `no answer (${err.trim().split("\n").slice(-1)[0] ?? ""})` });
      }
    });
  });

const supported = jailSupport().ok;

describe.runIf(supported)("jail: attacks from inside, without the compartment", () => {
  beforeAll(async () => {
    secretDir = mkdtempSync(join(tmpdir(), "pc-jail-secret-"));
    writeFileSync(join(secretDir, "secret.txt"), "HOST-SECRET");
    granted = mkdtempSync(join(tmpdir(), "pc-jail-granted-"));
    chmodSync(granted, 0o755); // a shared folder: readable by the jail's own user
    mkdirSync(join(granted, "data"));
    writeFileSync(join(granted, "data/ok.txt"), "fine");
    // Planted by a plugin in a folder the host shares: leads outside it.
    symlinkSync(join(secretDir, "secret.txt"), join(granted, "data/link.txt"));
    server = createServer((s) => {
      connections += 1;
      s.end("HOST-SERVER");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
    rmSync(secretDir, { recursive: true, force: true });
    rmSync(granted, { recursive: true, force: true });
  });

  it("invariant 2: a host file outside the jail cannot be read, by path or through a planted symlink", async () => {
    const direct = `return require("fs").readFileSync(${JSON.stringify(join(secretDir, "secret.txt"))}, "utf8")`;
    const viaLink = `return require("fs").readFileSync(${JSON.stringify(join(granted, "data/link.txt"))}, "utf8")`;
    const inside = `return require("fs").readFileSync(${JSON.stringify(join(granted, "data/ok.txt"))}, "utf8")`;
    const etc = `return require("fs").readFileSync("/etc/passwd", "utf8").length`;
    expect(await runIn("jail", inside)).toEqual({ value: "fine" });
    for (const code of [direct, viaLink, etc]) {
      const outcome = await runIn("jail", code);
      expect(outcome.value).toBeUndefined();
      expect(outcome.error).toBe("ENOENT");
    }
    // Node 20's permission model follows the planted link out of the folder.
    if (NODE_MAJOR < 22) expect(await runIn("process", viaLink)).toEqual({ value: "HOST-SECRET" });
  });

  it("invariant 1: the host's loopback servers cannot be reached (no interface but the jail's own)", async () => {
    const code = `return await new Promise((resolve, reject) => {
      const s = require("net").connect(${port}, "127.0.0.1");
      s.on("data", (d) => resolve(String(d)));
      s.on("error", reject);
    })`;
    const before = connections;
    const jailed = await runIn("jail", code);
    expect(jailed.value).toBeUndefined();
    expect(jailed.error).toBe("ECONNREFUSED");
    expect(connections).toBe(before);
    const interfaces = await runIn("jail", `return Object.keys(require("os").networkInterfaces())`);
    expect(interfaces).toEqual({ value: ["lo"] });
    // Node 20-24's permission model has no network scope: the plain process connects.
    if (NODE_MAJOR < 25) expect(await runIn("process", code)).toEqual({ value: "HOST-SERVER" });
  });

  it("invariants 1 and 4: host processes are invisible, cannot be signalled, and the environment is empty", async () => {
    const host = process.pid;
    const signal = `process.kill(${host}, 0); return "signalled"`;
    const jailed = await runIn("jail", signal);
    expect(jailed.error).toBe("ESRCH");
    expect(await runIn("process", signal)).toEqual({ value: "signalled" });
    const pids = await runIn(
      "jail",
      `return require("fs").readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p)).map(Number)`,
    );
    expect(pids.value).not.toContain(host);
    expect((pids.value as number[]).every((p) => p < 10)).toBe(true);
    const env = await runIn("jail", `return Object.keys(process.env).filter((k) => k !== "PWD")`);
    expect(env).toEqual({ value: [] });
  });

  it("invariant 3: off-heap memory (ArrayBuffers) is bounded by the kernel", async () => {
    const bomb = `const kept = []; try { for (let i = 0; i < 256; i++) kept.push(new Uint8Array(64 << 20).fill(1)); } catch (e) { return kept.length * 64; } return kept.length * 64;`;
    const outcome = await runIn("jail", bomb, 64);
    // The address-space limit for a 64 MiB cell is 2 GiB + 128 MiB, of which
    // Node itself takes about 1 GiB: far short of the 16 GiB asked for.
    expect(typeof outcome.value).toBe("number");
    expect(outcome.value as number).toBeLessThan(2200);
  });

  it("invariant 3: processes and threads are bounded: a fork bomb stops at the jail's limit", async () => {
    const bomb = `const cp = require("child_process"); let n = 0;
      for (let i = 0; i < 200; i++) {
        try { cp.spawn("/bin/sleep", ["2"]).on("error", () => {}); n++; } catch { break; }
      }
      await new Promise((r) => setTimeout(r, 300));
      return require("fs").readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p)).length;`;
    const outcome = await runIn("jail", bomb);
    expect(typeof outcome.value).toBe("number");
    expect(outcome.value as number).toBeLessThanOrEqual(64);
  });
});

describe("jail: machines that cannot run one", () => {
  it("invariant: the answer says what is missing and how to enable it", () => {
    if (!supported) {
      const support = jailSupport();
      expect(support.ok).toBe(false);
      if (!support.ok) expect(support.enable.length).toBeGreaterThan(10);
      return;
    }
    // A runtime in a private folder (mode 700) cannot be run by the jail's user.
    const dir = mkdtempSync(join(tmpdir(), "pc-jail-private-"));
    try {
      copyFileSync(process.execPath, join(dir, "node"));
      chmodSync(join(dir, "node"), 0o755);
      const support = checkJailSupport(join(dir, "node"));
      expect(support).toMatchObject({ ok: false });
      if (!support.ok) {
        expect(support.missing).toContain("read access");
        expect(support.enable).toContain("chmod 755");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
