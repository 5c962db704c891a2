// What every cell's global provides beyond the language (cell-global-object.ts),
// identical at every isolation level, and with no host authority.
import { makeEnvCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";

const LEVELS: Isolation[] = ["compartment", "worker", "process"];

const PROBE = `(() => {
  const out = {};
  out.aliases = [global === globalThis, self === globalThis, typeof window];
  // The classic global lookup, and Function still behaving as Function.
  out.functionThis = [
    Function("return this")() === globalThis,
    new Function("a", "b", "return a + b")(1, 2),
    (() => {}) instanceof Function,
    Function.prototype === Object.getPrototypeOf(Function("")),
  ];
  globalThis.registeredByLibrary = { ok: 1 };
  out.extensible = Object.isExtensible(globalThis) && registeredByLibrary.ok === 1;
  out.env = [process.env.NODE_ENV, process.env.HOME, Object.keys(process.env)];
  try { process.env.NODE_ENV = "development"; out.write = "written"; } catch (e) { out.write = e.code ?? (e.name + ": " + e.message); }
  out.info = [process.platform, typeof process.version, typeof process.versions.node, process.argv.length];
  out.powers = ["exit", "abort", "kill", "binding", "cwd", "chdir", "stdout", "memoryUsage", "dlopen", "mainModule"]
    .filter((n) => n in process);
  out.usp = new URLSearchParams("a=1&b=2").get("b");
  // Invariant 2: process gives no way back to the host's process.
  out.ctor = (() => { try { return process.constructor.constructor("return typeof require")(); } catch (e) { return "undefined"; } })();
  return new Promise((resolve) => process.nextTick((x) => { out.tick = x; resolve(out); }, "ticked"));
})()`;

describe("a cell's global object, the same at every level", () => {
  for (const isolation of LEVELS) {
    test(`${isolation}: global aliases, an extensible global, an authority-free process`, async () => {
      const host = await createHost();
      const cell = await host.createCell({
        name: `globals-${isolation}`,
        isolation,
        grants: {
          env: makeEnvCap({ NODE_ENV: "production", HOME: "/root" }, { allow: ["NODE_ENV"] }),
        },
      });
      try {
        const out = JSON.parse(JSON.stringify(await cell.evaluate(PROBE))) as Record<
          string,
          unknown
        >;
        // Writes are refused at every level; the compartment's membrane view
        // refuses with its own TypeError before the facade's ENV_READ_ONLY.
        expect(out.write).not.toBe("written");
        delete out.write;
        expect(out).toEqual({
          aliases: [true, true, "undefined"],
          functionThis: [true, 3, true, true],
          extensible: true,
          env: ["production", null, ["NODE_ENV"]],
          info: ["linux", "string", "string", 0],
          powers: [],
          usp: "2",
          ctor: "undefined",
          tick: "ticked",
        });
      } finally {
        await cell.revoke("done");
      }
    });
  }

  test("without an env grant, process.env is empty", async () => {
    const host = await createHost();
    const cell = await host.createCell({ name: "no-env" });
    expect(await cell.evaluate("[Object.keys(process.env).length, process.env.PATH]")).toEqual([
      0,
      undefined,
    ]);
    expect(await cell.evaluate("global.process === process && process !== undefined")).toBe(true);
  });
});
