/**
 * Example 1: a static-site builder whose plugins are untrusted.
 *
 * The `markdown` plugin (plugins/markdown, using the unmodified npm package
 * markdown-it) gets a read-only view of `docs/` and a writable `out/`, and
 * renders the site. The `snoop` plugin (plugins/snoop) gets the same
 * read-only `docs/` and tries to read the user's SSH key: through `~`,
 * through `..`, through a symbolic link someone left in `docs/`, through
 * `process.env`, and by importing `node:os`. Every attempt is refused with a
 * stable code and a message in the plugin's own terms.
 *
 * Invariants shown (and tested in test/static-site.test.ts):
 * 1. A plugin reaches only the directories it was granted; `..` and links
 *    that lead out are refused (FS_OUTSIDE_ROOT).
 * 2. A read-only grant refuses writes (FS_DENIED_READ_ONLY).
 * 3. A module that imports a builtin the cell was not granted does not load
 *    (MODULE_DENIED).
 * 4. No message a plugin receives names a host path.
 *
 * It does not serve the site or watch files.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap } from "@padded-cell/caps";
import type { Host } from "@padded-cell/host";
import { copyData } from "./cell-data.js";
import { preparePluginFolder } from "./plugin-folder.js";
import { toDenial, type Denial, type Narrator } from "./tour-output.js";

/** A page the markdown plugin rendered. */
export interface RenderedPage {
  readonly source: string;
  readonly target: string;
  readonly title: string;
  readonly bytes: number;
}

/** One thing the snoop plugin tried. */
export interface SnoopAttempt {
  readonly what: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
}

/** What the static-site example did. */
export interface StaticSiteResult {
  /** Pages the markdown plugin wrote. */
  readonly pages: readonly RenderedPage[];
  /** Files in `out/` afterwards, as the host sees them. */
  readonly outFiles: readonly string[];
  /** What the snoop plugin tried, as it reported it. */
  readonly attempts: readonly SnoopAttempt[];
  /** Loading the snoop plugin's `node:os` probe. */
  readonly osProbe: Denial;
  /** The host folder the example worked in (removed unless `keep`). */
  readonly workDir: string;
  /** The fake secret key's text, so a test can check it never leaked. */
  readonly secret: string;
}

/** Options of {@link runStaticSite}. */
export interface StaticSiteOptions {
  readonly host: Host;
  readonly narrator: Narrator;
  /** Keep the work folder (for looking at the HTML); default false. */
  readonly keep?: boolean;
}

const PAGES: Record<string, string> = {
  "index.md": "# Welcome\n\nThis site was built by an **untrusted** plugin.\n\n- fast\n- safe\n",
  "guide.md":
    "# Guide\n\nPlugins get *capabilities*, not ambient authority.\n\n```js\nawait caps.out.writeFile('/a.html', html);\n```\n",
  "about.md":
    "# About\n\nSee https://example.org for more. <script>alert(1)</script> stays text.\n",
};

/** Lays out `site/docs`, `site/out` and a fake `home/.ssh` with a key. */
const makeWorkDir = async (): Promise<{
  base: string;
  docs: string;
  out: string;
  secret: string;
}> => {
  const base = await mkdtemp(join(tmpdir(), "padded-cell-static-site-"));
  const docs = join(base, "site", "docs");
  const out = join(base, "site", "out");
  const ssh = join(base, "home", ".ssh");
  await mkdir(docs, { recursive: true });
  await mkdir(out, { recursive: true });
  await mkdir(ssh, { recursive: true });
  const secret = `-----BEGIN OPENSSH PRIVATE KEY----- fake-${Date.now().toString(36)}`;
  await writeFile(join(ssh, "id_ed25519"), secret);
  for (const [name, text] of Object.entries(PAGES)) await writeFile(join(docs, name), text);
  // A link someone left in docs/, pointing at the key folder.
  await symlink(ssh, join(docs, "keys"));
  return { base, docs, out, secret };
};

/**
 * Runs the static-site example.
 *
 * @example
 * ```ts
 * const result = await runStaticSite({ host: await createHost(), narrator: makeRecordingNarrator() });
 * result.pages.length; // 3
 * ```
 */
export async function runStaticSite(options: StaticSiteOptions): Promise<StaticSiteResult> {
  const { host, narrator } = options;
  narrator.section(
    "1. Static-site builder",
    "Untrusted plugins render docs/ into out/. One uses markdown-it from npm; one tries to steal an SSH key.",
  );
  const work = await makeWorkDir();
  const markdownFolder = await narrator.progress(
    "copying markdown-it into the plugin's folder",
    () => preparePluginFolder("markdown", ["markdown-it"]),
  );
  const snoopFolder = await preparePluginFolder("snoop");
  try {
    narrator.grant("markdown", "docs: read-only view of site/docs");
    narrator.grant("markdown", "out: read-write view of site/out");
    narrator.grant("markdown", 'imports: ["markdown-it"]');
    const markdown = await host.createCell({
      name: "markdown",
      root: markdownFolder.root,
      imports: ["markdown-it"],
      grants: {
        docs: ({ scope }) => makeDirCap(work.docs, { scope }).readOnly(),
        out: ({ scope }) => makeDirCap(work.out, { scope }),
      },
    });
    const pages = copyData(
      (await narrator.progress("rendering docs/*.md with markdown-it", () =>
        markdown.run("./index.js"),
      )) as RenderedPage[],
    );
    for (const p of pages)
      narrator.did("markdown", `rendered ${p.source} → ${p.target} (${p.bytes} bytes)`);
    await markdown.revoke("site built");

    narrator.grant("snoop", "fs: read-only view of site/docs (so node:fs/promises works)");
    const snoop = await host.createCell({
      name: "snoop",
      root: snoopFolder.root,
      grants: { fs: ({ scope }) => makeDirCap(work.docs, { scope }).readOnly() },
    });
    const attempts = copyData((await snoop.run("./index.js")) as SnoopAttempt[]);
    for (const a of attempts) {
      if (a.ok) narrator.did("snoop", `${a.what} (it should not have!)`);
      else narrator.denied("snoop", a.what, { code: a.code ?? "ERROR", message: a.message ?? "" });
    }
    let osProbe: Denial;
    try {
      await snoop.import("./os-probe.js");
      osProbe = { code: "NONE", message: "node:os was imported" };
      narrator.did("snoop", "imported node:os (it should not have!)");
    } catch (error) {
      osProbe = toDenial(error);
      narrator.denied("snoop", "import { homedir } from 'node:os'", osProbe);
    }
    await snoop.revoke("example done");

    const outFiles = (await readdir(work.out)).sort();
    narrator.note(`out/ now holds ${outFiles.join(", ")}; the key was never read.`);
    const secretIntact =
      (await readFile(join(work.base, "home", ".ssh", "id_ed25519"), "utf8")) === work.secret;
    if (!secretIntact) throw new Error("the fake key changed");
    return harden({ pages, outFiles, attempts, osProbe, workDir: work.base, secret: work.secret });
  } finally {
    await markdownFolder.dispose();
    await snoopFolder.dispose();
    if (options.keep !== true) await rm(work.base, { recursive: true, force: true });
  }
}
