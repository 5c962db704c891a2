// The realm lockdown every host, wall and CLI shares (realm-lockdown.ts):
// the host application keeps Node's stacks, console and exit codes
// (invariant 2), while no stack a cell can read shows a host frame or a
// host path, at every isolation level (invariant 3).
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";
import { renderStack, REALM_LOCKDOWN_OPTIONS } from "../src/realm-lockdown.js";

const HOST_DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const LEVELS: Isolation[] = ["compartment", "worker", "process"];
// Anything that names a place on the host: a file URL, an absolute path,
// Node's internals, SES's own files.
const HOST_PATH =
  /file:\/\/\/(?!plugin\/)|\/work\/|\/home\/|\/tmp\/|node:internal|node_modules|make-safe-evaluator|\.ts:\d/;

const runApp = async (source: string) => {
  const dir = await mkdtemp(join(tmpdir(), "host-app-"));
  const file = join(dir, "app.mjs");
  await writeFile(file, source);
  return await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [file], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
};

describe("invariant 2: importing the host leaves the host application as Node made it", () => {
  test("its errors keep their stacks; its own assignments and Node's printing of collections work", async () => {
    const { code, stdout } = await runApp(`
      import { inspect } from "node:util";
      import ${JSON.stringify(HOST_DIST)};
      function where() { return new Error("app error"); }
      const e = where();
      console.log(JSON.stringify({
        frozen: Object.isFrozen(Array.prototype),
        stackHasFrame: /at where \\(file:.*app\\.mjs:\\d+/.test(e.stack),
        map: inspect(new Map([[1, 2]])),
        // Assignments an application makes to inherited intrinsic properties.
        message: (() => { const m = new Error("a"); m.message = "b"; return m.message; })(),
        toString: (() => { const o = {}; o.toString = () => "mine"; return String(o); })(),
      }));
      console.log(e.stack);
    `);
    expect(code).toBe(0);
    const [first, ...rest] = stdout.split("\n");
    expect(JSON.parse(first ?? "")).toEqual({
      frozen: true,
      stackHasFrame: true,
      map: "Map(1) { 1 => 2 }",
      message: "b",
      toString: "mine",
    });
    expect(rest.join("\n")).toMatch(/^Error: app error\n\s+at where \(file:.*app\.mjs/);
    expect(stdout).not.toContain("(Error#");
  });

  test("an uncaught error exits with code 1 and Node's report, not 255", async () => {
    const { code, stderr } = await runApp(`
      import ${JSON.stringify(HOST_DIST)};
      function fail() { throw new Error("uncaught in app"); }
      fail();
    `);
    expect(code).toBe(1);
    // Node's report names the file and line (the error itself prints as
    // {} under SES's override taming: realm-lockdown.ts invariant 4).
    expect(stderr).toMatch(/app\.mjs:3/);
    expect(stderr).not.toContain("SES_UNCAUGHT");
  });

  test("an unhandled rejection exits with code 1, as in Node", async () => {
    const { code, stderr } = await runApp(`
      import ${JSON.stringify(HOST_DIST)};
      Promise.reject(new Error("rejected in app"));
    `);
    expect(code).toBe(1);
    expect(stderr).toContain("rejected in app");
  });
});

describe("invariant 3: a stack a cell can read shows no host frame or host path", () => {
  const ATTACKS = `(async () => {
    const out = {};
    out.own = new Error("own").stack;
    try { null.x; } catch (e) { out.engine = e.stack; }
    // A sourceURL that claims to be a host file does not make a frame a host frame.
    out.spoofed = (0, eval)("(() => new Error('spoof').stack)()\\n//# sourceURL=/spoofed/host.js");
    // Replacing the renderer or capturing a stack is powerless in a cell.
    Error.prepareStackTrace = (e, sites) => sites.map((s) => String(s.getFileName())).join("|");
    out.afterReplace = new Error("replace").stack;
    const o = {}; Error.captureStackTrace?.(o); out.captured = String(o.stack ?? "");
    // Errors of a capability call come back as copies.
    out.fromCap = await caps.svc.boom().catch((e) => e.stack);
    // A guest function called from host code (a callback through the membrane).
    out.callback = await caps.svc.call(() => new Error("in callback").stack);
    // Stack overflow, thrown by the engine deep in cell code.
    try { const f = () => f(); f(); } catch (e) { out.overflow = String(e.stack).slice(0, 2000); }
    return out;
  })()`;

  for (const isolation of LEVELS) {
    test(`at the ${isolation} level`, async () => {
      const host = await createHost();
      const cell = await host.createCell({
        name: `stacks-${isolation}`,
        isolation,
        grants: {
          svc: harden({
            boom: async () => {
              throw new Error(`host failure at ${fileURLToPath(import.meta.url)}`);
            },
            call: async (f: () => unknown) => await f(),
          }),
        },
      });
      try {
        const out = (await cell.evaluate(ATTACKS)) as Record<string, string>;
        expect(Object.keys(out).sort()).toEqual(
          [
            "afterReplace",
            "callback",
            "captured",
            "engine",
            "fromCap",
            "overflow",
            "own",
            "spoofed",
          ].sort(),
        );
        for (const [name, stack] of Object.entries(out)) {
          expect(typeof stack, name).toBe("string");
          expect(stack, name).not.toMatch(HOST_PATH);
        }
        // The cell still sees its own frames: stacks are useful, not empty.
        expect(out.own).toMatch(/^Error: own\n\s+at /);
        expect(out.spoofed).toContain("/spoofed/host.js");
        expect(out.afterReplace).toMatch(/^Error: replace\n\s+at /);
        expect(out.captured).toBe("");
      } finally {
        await cell.revoke("done");
      }
    });
  }
});

test("the renderer shows every frame of a host-only stack and only cell frames otherwise", () => {
  const site = (isEval: boolean, text: string) => ({
    isEval: () => isEval,
    getFunctionName: () => "f",
    getScriptNameOrSourceURL: () => (isEval ? "file:///plugin/a.js" : null),
    getLineNumber: () => 1,
    getColumnNumber: () => 2,
    toString: () => text,
  });
  const error = new TypeError("t");
  expect(renderStack(error, [site(false, "host (/h.js:1:1)")])).toBe(
    "TypeError: t\n    at host (/h.js:1:1)",
  );
  expect(
    renderStack(error, [site(true, "x (eval at /ses.js)"), site(false, "host (/h.js:1:1)")]),
  ).toBe("TypeError: t\n    at f (file:///plugin/a.js:1:2)");
  // A hostile error whose toString throws still renders.
  const hostile = {
    get name() {
      throw new Error("trap");
    },
  };
  expect(renderStack(hostile, [])).toBe("[object Object]");
  expect(REALM_LOCKDOWN_OPTIONS.overrideTaming).toBe("moderate");
});
