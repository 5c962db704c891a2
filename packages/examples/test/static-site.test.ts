// The static-site example: an untrusted markdown plugin (unmodified npm
// markdown-it) renders docs/ into out/; a snoop plugin's attempts on ~/.ssh
// are refused. Invariant numbers refer to src/static-site.ts.
import { readFile, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost } from "@padded-cell/host";
import { runStaticSite, type StaticSiteResult } from "../src/static-site.js";
import { makeRecordingNarrator, type RecordingNarrator } from "../src/tour-output.js";

let result: StaticSiteResult;
let narrator: RecordingNarrator;

beforeAll(async () => {
  narrator = makeRecordingNarrator();
  result = await runStaticSite({ host: await createHost(), narrator, keep: true });
});
afterAll(() => rm(result.workDir, { recursive: true, force: true }));

describe("static-site example", () => {
  it("renders every page with markdown-it into out/, and an index", async () => {
    expect(result.pages.map((p) => p.target)).toEqual([
      "/about.html",
      "/guide.html",
      "/index.html",
    ]);
    expect(result.outFiles).toEqual(["about.html", "guide.html", "index.html"]);
    const welcome = await readFile(join(result.workDir, "site", "out", "index.html"), "utf8");
    // The index page replaced the rendered index.md: it links every page.
    expect(welcome).toContain('<a href="./guide.html">Guide</a>');
    const guide = await readFile(join(result.workDir, "site", "out", "guide.html"), "utf8");
    expect(guide).toContain("<em>capabilities</em>");
    expect(guide).toContain('<code class="language-js">');
    const about = await readFile(join(result.workDir, "site", "out", "about.html"), "utf8");
    // markdown-it with html: false escapes raw HTML, and linkify made a link.
    expect(about).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(about).toContain('<a href="https://example.org">https://example.org</a>');
  });

  it("invariant 1: refuses ~, .. and a symbolic link that leads to the key", () => {
    const byWhat = Object.fromEntries(result.attempts.map((a) => [a.what.split(" (")[0], a]));
    expect(byWhat["read ~/.ssh/id_ed25519"]).toMatchObject({ ok: false, code: "ENOENT" });
    expect(byWhat["read ../../home/.ssh/id_ed25519"]).toMatchObject({
      ok: false,
      code: "FS_OUTSIDE_ROOT",
    });
    expect(byWhat["read /keys/id_ed25519"]).toMatchObject({ ok: false, code: "FS_OUTSIDE_ROOT" });
    expect(byWhat["read process.env.HOME"]).toMatchObject({ ok: false });
  });

  it("invariant 2: the read-only docs grant refuses a write", () => {
    const write = result.attempts.find((a) => a.what.startsWith("overwrite"));
    expect(write).toMatchObject({ ok: false, code: "FS_DENIED_READ_ONLY" });
    expect(write?.message).toMatch(/read-only.*drop \.readOnly\(\)/);
  });

  it("invariant 3: a module importing node:os does not load", () => {
    expect(result.osProbe.code).toBe("MODULE_DENIED");
    expect(result.osProbe.message).toContain('"node:os"');
  });

  it("invariant 4: no message the plugin saw names a host path or holds the key", () => {
    expect(result.attempts.every((a) => !a.ok)).toBe(true);
    const texts = [...result.attempts.map((a) => `${a.message}`), result.osProbe.message];
    for (const text of texts) {
      expect(text).not.toContain(result.workDir);
      expect(text).not.toContain(tmpdir());
      expect(text).not.toContain(homedir());
      expect(text).not.toContain(result.secret);
    }
  });

  it("tells the tour what each plugin was granted, did and was refused", () => {
    const kinds = narrator.events.map((e) => e.kind);
    expect(kinds.filter((k) => k === "grant")).toHaveLength(4);
    expect(kinds.filter((k) => k === "did")).toHaveLength(3);
    expect(kinds.filter((k) => k === "denied")).toHaveLength(6);
  });
});
