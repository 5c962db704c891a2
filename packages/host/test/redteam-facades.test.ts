// Red-team attacks on the Node-shaped facades a cell gets from its grants
// (cell-globals.ts: `node:process` from an env grant, `fetch` from an http
// grant): getting more than granted by writing through them, enumerating
// them, or handing them hostile inputs whose answers change between reads
// (check-then-use). The invariant checked is the host's "a cell gets exactly
// what its grants give" (docs/security-model.md).
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeEnvCap, makeHttpCap } from "@padded-cell/caps";
import { describe, expect, test } from "vitest";
import { createHost } from "../src/index.js";

describe("node:process from an env grant", () => {
  test("shows only allowed names and cannot write, add or delete host variables", async () => {
    const root = await mkdtemp(join(tmpdir(), "rt-facade-env-"));
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "p", type: "module" }));
    await writeFile(
      join(root, "main.js"),
      `import process from "node:process";
       import * as ns from "node:process";
       export const probe = () => {
         const out = {};
         const t = (label, f) => { try { out[label] = f(); } catch (e) { out[label] = "threw " + (e.code || e.name); } };
         t("allowed", () => process.env.RT_ALLOWED);
         t("hidden", () => process.env.RT_HIDDEN);
         t("keys", () => Object.keys(process.env));
         t("json", () => JSON.stringify(process.env));
         t("in", () => "RT_HIDDEN" in process.env);
         t("descriptor", () => Object.getOwnPropertyDescriptor(process.env, "RT_HIDDEN"));
         t("add", () => { process.env.RT_ADDED = "1"; return "wrote"; });
         t("overwrite", () => { process.env.RT_ALLOWED = "evil"; return "wrote"; });
         t("delete", () => delete process.env.RT_ALLOWED);
         t("namespace", () => Object.keys(ns).sort());
         return out;
       };`,
    );
    const source: Record<string, string | undefined> = { RT_ALLOWED: "yes", RT_HIDDEN: "secret" };
    const host = await createHost();
    const cell = await host.createCell({
      name: "env",
      root,
      grants: { env: makeEnvCap(source, { allow: ["RT_ALLOWED"] }) },
    });
    const { probe } = (await cell.import("./main.js")) as { probe: () => Record<string, unknown> };
    const out = probe();
    expect(out).toMatchObject({
      allowed: "yes",
      hidden: undefined,
      keys: ["RT_ALLOWED"],
      json: '{"RT_ALLOWED":"yes"}',
      in: false,
      descriptor: undefined,
      add: "threw TypeError",
      overwrite: "threw TypeError",
      delete: "threw TypeError",
      // node:process is the cell's authority-free process facade.
      namespace: ["argv", "default", "env", "nextTick", "platform", "version", "versions"],
    });
    expect(source).toEqual({ RT_ALLOWED: "yes", RT_HIDDEN: "secret" });
  });
});

describe("fetch from an http grant", () => {
  test("a Request-like input whose url changes between reads is checked and sent as one URL", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.url));
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const host = await createHost();
    const cell = await host.createCell({
      name: "fetcher",
      grants: { http: makeHttpCap({ allow: [`http://127.0.0.1:${port}/public/`] }) },
    });
    try {
      const result = await cell.evaluate(`(async () => {
        const flip = (first, later) => { let n = 0; return () => (n++ === 0 ? first : later); };
        const allowed = "http://127.0.0.1:${port}/public/a";
        const denied = "http://127.0.0.1:${port}/private/b";
        const out = [];
        for (const [first, later] of [[allowed, denied], [denied, allowed]]) {
          const url = flip(first, later);
          const href = flip(first, later);
          const inputs = [
            { get url() { return url(); } },
            { get href() { return href(); } },
            new Proxy({}, { get: (t, k) => (k === "url" ? url() : undefined), has: () => true }),
          ];
          for (const input of inputs) {
            out.push(await fetch(input).then((r) => r.text(), (e) => e.code));
          }
        }
        return out.join();
      })()`);
      // Whatever the hostile object answers, only /public/ is ever requested.
      const outcomes = String(result).split(",");
      expect(outcomes).toHaveLength(6);
      for (const outcome of outcomes) expect(["ok", "HTTP_DENIED"]).toContain(outcome);
      // Every request the server saw was answered "ok" to the cell, and none other.
      expect(seen).toHaveLength(outcomes.filter((o) => o === "ok").length);
      expect(seen.length).toBeGreaterThan(0);
      for (const url of seen) expect(url.startsWith("/public/")).toBe(true);
    } finally {
      server.close();
    }
  });
});
