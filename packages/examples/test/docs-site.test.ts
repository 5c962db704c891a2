// The documentation site, as a reader gets it: built by typedoc (API
// reference of every public package plus the guides) with zero warnings,
// without a broken link, and opened in headless Chromium, where every guide
// and package page renders with its navigation and the search finds API
// symbols and guides.
//
// The site is built into a temporary folder from the current sources, so
// the test never checks a stale `site/`. Chromium is required: without it
// the test fails and says how to install it (CI installs it in .ci/run).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { examplesDir } from "../src/plugin-folder.js";
import { chromiumPath, launchChromium, type Browser, type Page } from "./cdp-pipe.js";

const repo = join(examplesDir, "..", "..");
let out: string;
let build: { status: number | null; output: string };
let browser: Browser | undefined;
let page: Page;

const htmlFiles = async (dir: string): Promise<string[]> => {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await htmlFiles(path)));
    else if (entry.name.endsWith(".html")) found.push(path);
  }
  return found;
};

beforeAll(async () => {
  chromiumPath(); // fail first, with the install hint, if Chromium is missing
  out = await mkdtemp(join(tmpdir(), "padded-cell-site-"));
  const typedoc = join(repo, "node_modules", "typedoc", "bin", "typedoc");
  const run = spawnSync(process.execPath, [typedoc, "--out", out], { cwd: repo, encoding: "utf8" });
  build = { status: run.status, output: `${run.stdout}${run.stderr}` };
  browser = await launchChromium();
  page = await browser.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

/** Waits (bounded) until the page's script has built the navigation. */
const navigationReady = `new Promise((resolve) => {
  const started = Date.now();
  const poll = () => {
    const links = document.querySelectorAll("#tsd-nav-container a").length;
    if (links > 0 || Date.now() - started > 10000) resolve(links);
    else setTimeout(poll, 50);
  };
  poll();
})`;

const open = async (path: string) => {
  await page.goto(pathToFileURL(join(out, path)).href);
  const links = await page.evaluate<number>(navigationReady);
  const h1 = await page.evaluate<string>(`document.querySelector("h1")?.textContent.trim() ?? ""`);
  return { links, h1 };
};

/** Types `query` into the search box and returns the results shown (bounded wait). */
const search = (query: string) =>
  page.evaluate<{ names: string[]; hrefs: string[]; status: string }>(`new Promise((resolve) => {
    document.getElementById("tsd-search-trigger").click();
    const input = document.getElementById("tsd-search-input");
    // Clear the previous query's results, so the poll waits for this one's.
    document.getElementById("tsd-search-results").innerHTML = "";
    document.getElementById("tsd-search-status").textContent = "";
    input.value = ${JSON.stringify(query)};
    input.dispatchEvent(new Event("input", { bubbles: true }));
    const started = Date.now();
    const poll = () => {
      const results = [...document.querySelectorAll("#tsd-search-results li a")];
      const status = document.getElementById("tsd-search-status").textContent;
      if (results.length > 0 || status.trim() !== "" || Date.now() - started > 10000) {
        resolve({
          names: results.map((a) => a.textContent.trim()),
          hrefs: results.map((a) => a.getAttribute("href")),
          status,
        });
      } else setTimeout(poll, 50);
    };
    poll();
  })`);

describe("documentation site", () => {
  it("builds with zero warnings", () => {
    expect(build.output).not.toMatch(/\[warning\]|\[error\]/);
    expect(build.status).toBe(0);
    expect(existsSync(join(out, "index.html"))).toBe(true);
  });

  it("has no broken link: every relative href and src leads to a file, and every anchor exists", async () => {
    const files = await htmlFiles(out);
    expect(files.length).toBeGreaterThan(50);
    const texts = new Map<string, string>();
    const textOf = async (path: string) => {
      if (!texts.has(path)) texts.set(path, await readFile(path, "utf8"));
      return texts.get(path) as string;
    };
    const broken: string[] = [];
    for (const file of files) {
      const html = await textOf(file);
      for (const [, link] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
        if (link === undefined || /^(https?|mailto|data):/.test(link)) continue;
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
        if (!existsSync(target)) {
          broken.push(`${relative(out, file)} → ${link}`);
          continue;
        }
        if (anchor && /\.(html|svg)$/.test(target)) {
          const text = await textOf(target);
          if (!text.includes(`id="${anchor}"`) && !text.includes(`name="${anchor}"`)) {
            broken.push(`${relative(out, file)} → ${link} (no such anchor)`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("the home page renders, with the guides and the three packages in its navigation", async () => {
    const { links } = await open("index.html");
    expect(links).toBeGreaterThan(10);
    const nav = await page.evaluate<string[]>(
      `[...document.querySelectorAll("#tsd-nav-container a")].map((a) => a.textContent.trim())`,
    );
    for (const name of [
      "Guides",
      "Getting started",
      "Security model",
      "Error codes",
      "membrane",
      "caps",
      "host",
    ]) {
      expect(nav).toContain(name);
    }
    expect(page.errors).toEqual([]);
  });

  it("every guide renders with its title", async () => {
    const guides = (await readdir(join(out, "documents"))).filter((f) => f.endsWith(".html"));
    expect(guides.length).toBeGreaterThanOrEqual(12);
    const expected: Record<string, string> = {
      "Guides.Getting_started.html": "Getting started",
      "Guides.Concepts_and_glossary.html": "Concepts and glossary",
      "Guides.Security_model.html": "Security model",
      "Guides.Error_codes.html": "Error codes",
      "Guides.Performance.html": "Performance",
    };
    for (const file of guides) {
      const { links, h1 } = await open(join("documents", file));
      expect(links, file).toBeGreaterThan(10);
      expect(h1, file).not.toBe("");
      if (expected[file] !== undefined) expect(h1).toBe(expected[file]);
    }
    // A code block rendered as highlighted code, not as text.
    await open("documents/Guides.Getting_started.html");
    const code = await page.evaluate<number>(`document.querySelectorAll("pre code").length`);
    expect(code).toBeGreaterThan(4);
    expect(page.errors).toEqual([]);
  });

  it("every package page renders its reference", async () => {
    for (const pkg of ["membrane", "caps", "host"]) {
      const { h1 } = await open(`modules/_padded-cell_${pkg}.html`);
      expect(h1).toContain(`@padded-cell/${pkg}`);
    }
    const { h1 } = await open("functions/_padded-cell_host.createHost.html");
    expect(h1).toContain("createHost");
    expect(page.errors).toEqual([]);
  });

  it("search finds API symbols and guides, and says when nothing matches", async () => {
    await open("index.html");
    const api = await search("createHost");
    expect(api.names[0]).toContain("createHost");
    expect(api.hrefs[0]).toMatch(/createHost\.html$/);
    const cap = await search("makeDirCap");
    expect(cap.names.some((n) => n.includes("makeDirCap"))).toBe(true);
    const guide = await search("Security");
    expect(guide.names.some((n) => n.includes("Security model"))).toBe(true);
    const none = await search("zqxjwv");
    expect(none.names).toEqual([]);
    expect(none.status).toContain("zqxjwv");
    // A result leads to a page that renders.
    const href = api.hrefs[0] as string;
    const { h1 } = await open(href.replace(/^\.\//, ""));
    expect(h1).toContain("createHost");
    expect(page.errors).toEqual([]);
  });
});
