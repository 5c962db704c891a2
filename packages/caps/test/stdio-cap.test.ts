import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { makeResourceScope } from "../src/resource-scope.js";
import { makeStdio } from "../src/stdio-cap.js";

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );

describe("makeStdio", () => {
  it("invariant 2: the guest side writes; only the host side reads", async () => {
    const { cap, host } = makeStdio();
    await cap.write("stdout", "hello ");
    await cap.write("stdout", new TextEncoder().encode("world\n"));
    await cap.write("stderr", "oops\n");
    expect(host.read()).toEqual({ stdout: "hello world\n", stderr: "oops\n" });
    expect(Object.keys(cap)).toEqual(["write"]);
    expect(Object.isFrozen(cap)).toBe(true);
    expect(host.truncated()).toEqual({ stdout: false, stderr: false });
  });

  it("invariant 1: output is cut at the limit with one marker, never grown", async () => {
    const { cap, host } = makeStdio({ limitBytes: 250 });
    for (let i = 0; i < 1000; i += 1) await cap.write("stdout", "x".repeat(100));
    const out = host.read().stdout;
    expect(out).toBe(`${"x".repeat(250)}\n[output truncated after 250 bytes]\n`);
    expect(host.readBytes().stdout.length).toBe(
      250 + "\n[output truncated after 250 bytes]\n".length,
    );
    expect(host.truncated()).toEqual({ stdout: true, stderr: false });
    await cap.write("stderr", "fine");
    expect(host.read().stderr).toBe("fine");
  });

  it("invariant 3: bytes are copied at the call; nothing is coerced", async () => {
    const { cap, host } = makeStdio();
    const buf = new TextEncoder().encode("abc");
    await cap.write("stdout", buf);
    buf[0] = 0x7a;
    expect(host.read().stdout).toBe("abc");
    let ran = false;
    const hostile = {
      toString() {
        ran = true;
        return "x";
      },
    };
    expect(await codeOf(cap.write("stdout", hostile as unknown as string))).toBe(
      "STDIO_INVALID_DATA",
    );
    expect(await codeOf(cap.write("stdout", new Uint16Array(2) as unknown as Uint8Array))).toBe(
      "STDIO_INVALID_DATA",
    );
    expect(await codeOf(cap.write("stdin" as "stdout", "x"))).toBe("STDIO_INVALID_STREAM");
    expect(await codeOf(cap.write(hostile as unknown as "stdout", "x"))).toBe(
      "STDIO_INVALID_STREAM",
    );
    expect(ran).toBe(false);
  });

  it("invariant 1: huge and many writes stay within the limit", async () => {
    const { cap, host } = makeStdio({ limitBytes: 10 });
    await cap.write("stdout", "€".repeat(20_000_000)); // 60 MB if encoded whole
    expect(host.readBytes().stdout.length).toBe(
      10 + "\n[output truncated after 10 bytes]\n".length,
    );
    const { cap: cap2, host: host2 } = makeStdio({ limitBytes: 1000 });
    for (let i = 0; i < 100_000; i += 1) await cap2.write("stderr", new Uint8Array([0x61]));
    expect(host2.read().stderr).toBe(`${"a".repeat(1000)}\n[output truncated after 1000 bytes]\n`);
  });

  it("invariant 3: a hostile Uint8Array subclass runs no code while being copied", async () => {
    let ran = false;
    class Evil extends Uint8Array {
      static get [Symbol.species]() {
        ran = true;
        return Uint8Array;
      }
      override get length() {
        ran = true;
        return 0;
      }
      override subarray(): Uint8Array<ArrayBuffer> {
        ran = true;
        return new Uint8Array(0);
      }
    }
    const evil = new Evil(4).fill(0x62);
    const { cap, host } = makeStdio({ limitBytes: 3 });
    await cap.write("stdout", evil);
    expect(host.read().stdout).toBe("bbb\n[output truncated after 3 bytes]\n");
    expect(ran).toBe(false);
  });

  it("invariant 4: a connected host stream gets exactly what is kept", async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    const { cap, host } = makeStdio({ limitBytes: 10, connect: { stdout: sink } });
    await cap.write("stdout", "0123456789abcdef");
    await cap.write("stdout", "more");
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(chunks).toString()).toBe(host.read().stdout);
    expect(host.read().stdout).toBe("0123456789\n[output truncated after 10 bytes]\n");
  });

  it("invariant 4: escape sequences do not reach a connected terminal; host.read stays exact", async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    const { cap, host } = makeStdio({ connect: { stderr: sink } });
    const evil = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\u009b31m\x7fok\tdone\r\n€";
    await cap.write("stderr", evil);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(chunks).toString()).toBe("?]52;c;cHduZWQ=??[2J??31m?ok\tdone\r\n€");
    expect(host.read().stderr).toBe(evil);
    const raw: Buffer[] = [];
    const rawSink = new PassThrough();
    rawSink.on("data", (c: Buffer) => raw.push(c));
    const r = makeStdio({ connect: { stdout: rawSink }, rawConnect: true });
    await r.cap.write("stdout", "\x1b[1mbold");
    await new Promise((res) => setImmediate(res));
    expect(Buffer.concat(raw).toString()).toBe("\x1b[1mbold");
  });

  it("invariant 5: writes after the scope closes are REVOKED", async () => {
    const scope = makeResourceScope("plugin");
    const { cap } = makeStdio({ scope });
    await cap.write("stdout", "ok");
    await scope.close("done");
    expect(await codeOf(cap.write("stdout", "late"))).toBe("REVOKED");
  });
});
