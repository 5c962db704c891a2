/**
 * Plugin folders for the examples: copies a plugin from
 * `packages/examples/plugins/<name>/` into a fresh temporary folder and
 * installs the npm packages it needs into that folder's own `node_modules`.
 *
 * Why a copy: the module loader reads nothing outside a plugin's folder and
 * refuses a folder whose `node_modules` links lead out of it, which is what
 * pnpm's workspace links do. So each published package (and each of its
 * dependencies, recursively) is copied from where Node resolves it for
 * `@padded-cell/examples`, following Node's lookup from each package's real
 * folder. The packages are the unmodified ones npm installed; nothing is
 * vendored in the repository, and `pnpm install` is all a fresh clone needs.
 *
 * Invariants:
 * 1. The folder holds only the plugin's own files and real copies of the
 *    named packages: no symbolic link leads out of it.
 * 2. `dispose()` removes everything the call created.
 *
 * It does not run npm, fetch anything from a registry, or check versions.
 */
import { cp, mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The examples package folder (works from `src/` under vitest and from `dist/`). */
export const examplesDir: string = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the example plugins live in the repository. */
export const pluginsDir: string = join(examplesDir, "plugins");

/** A temporary plugin folder. */
export interface PluginFolder {
  /** The folder, to pass as `root` to `createCell`. */
  readonly root: string;
  /** Removes the folder. */
  readonly dispose: () => Promise<void>;
}

const MAX_DEPTH = 16;

/** Node's lookup: `<dir>/node_modules/<name>` in `dir` and each ancestor. */
const findPackage = (name: string, fromDir: string): string => {
  let dir = fromDir;
  for (let i = 0; i < 64; i += 1) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`${name} is not installed: run pnpm install at the repository root.`);
};

const copyPackage = async (sourceDir: string, destDir: string, depth: number): Promise<void> => {
  if (depth > MAX_DEPTH) throw new Error(`dependency chain deeper than ${MAX_DEPTH}`);
  const real = await realpath(sourceDir);
  await cp(real, destDir, {
    recursive: true,
    dereference: true,
    // The package's own files only; its dependencies are copied below, nested.
    filter: (src) => !src.slice(real.length).split(sep).includes("node_modules"),
  });
  const manifest = JSON.parse(await readFile(join(real, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    await copyPackage(findPackage(dep, real), join(destDir, "node_modules", dep), depth + 1);
  }
};

/**
 * Copies `plugins/<name>` into a temporary folder with `packages` (and their
 * dependencies) in its `node_modules`.
 *
 * @example
 * ```ts
 * const plugin = await preparePluginFolder("markdown", ["markdown-it"]);
 * const cell = await host.createCell({ name: "markdown", root: plugin.root, imports: ["markdown-it"] });
 * // ...
 * await plugin.dispose();
 * ```
 */
export const preparePluginFolder = async (
  name: string,
  packages: readonly string[] = [],
): Promise<PluginFolder> => {
  const base = await mkdtemp(join(tmpdir(), `padded-cell-${name.replace(/\W/g, "-")}-`));
  const root = join(base, "plugin");
  try {
    await cp(join(pluginsDir, name), root, { recursive: true });
    for (const pkg of packages) {
      await copyPackage(findPackage(pkg, examplesDir), join(root, "node_modules", pkg), 0);
    }
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
  return harden({ root, dispose: () => rm(base, { recursive: true, force: true }) });
};
