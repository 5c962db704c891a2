/**
 * Plugin manifests: what a plugin wants, declared in the `paddedCell` field
 * of its package.json or in a padded-cell.json beside it. Validated against
 * schemas/manifest.schema.json. A manifest asks; only the policy gives.
 *
 * Invariants:
 * 1. A manifest is used only after it validated completely; errors name the
 *    file, the field (JSON pointer) and what was expected (`MANIFEST_INVALID`).
 * 2. A plugin folder with both a padded-cell.json and a `paddedCell` field
 *    is refused, so there is never a question of which one counts.
 * 3. A manifest never widens anything: it is only ever intersected with
 *    what the host allows (`intersectGrants`).
 *
 * It does not decide grants.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { GrantSetInput } from "./policy-grant-set.js";
import { parseJsonDocument } from "./policy-file.js";
import { checkAgainstSchema, schemaError } from "./policy-schema-check.js";

/** A validated manifest. */
export interface PluginManifest {
  /** The plugin's name (the key of its policy entry). */
  readonly name: string;
  /** The entry module, relative to the plugin folder. */
  readonly entry?: string;
  /** What the plugin asks for. */
  readonly wants?: GrantSetInput;
}

/** Where a manifest was found. */
export interface FoundManifest {
  /** The manifest. */
  readonly manifest: PluginManifest;
  /** The file it came from, relative to the working directory (for messages). */
  readonly file: string;
}

/**
 * The plugin folder of an entry module: the nearest folder, from the
 * entry's own up to `stop` (inclusive), that holds a package.json; else the
 * entry's folder.
 *
 * @example
 * ```ts
 * pluginFolder("/srv/plugins/md/src/index.js", "/srv"); // "/srv/plugins/md" if it has a package.json
 * ```
 */
export function pluginFolder(entry: string, stop: string): string {
  const start = dirname(resolve(entry));
  const end = resolve(stop);
  let dir = start;
  for (let i = 0; i < 64; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (dir === end || up === dir) break;
    dir = up;
  }
  return start;
}

/**
 * Reads the manifest of the plugin in `folder`, if it has one.
 *
 * @param cwd - for the file names in messages.
 * @example
 * ```ts
 * const found = readManifest("./plugins/md", process.cwd());
 * if (found) console.log(found.manifest.wants);
 * ```
 */
export function readManifest(folder: string, cwd: string): FoundManifest | undefined {
  const jsonPath = join(folder, "padded-cell.json");
  const pkgPath = join(folder, "package.json");
  const label = (p: string): string => {
    const rel = relative(cwd, p);
    return rel === "" || rel.startsWith("..") ? p : rel;
  };
  let fromPackage: PluginManifest | undefined;
  if (existsSync(pkgPath)) {
    const pkg = packageJson(pkgPath, label(pkgPath));
    if (typeof pkg === "object" && pkg !== null && Object.hasOwn(pkg, "paddedCell")) {
      fromPackage = checkAgainstSchema<PluginManifest>(
        "manifest",
        (pkg as { paddedCell: unknown }).paddedCell,
        `${label(pkgPath)} (field "paddedCell")`,
      );
    }
  }
  if (existsSync(jsonPath)) {
    if (fromPackage !== undefined) {
      // Invariant 2.
      throw schemaError(
        "manifest",
        label(jsonPath),
        "",
        `one manifest per plugin: ${label(pkgPath)} also has a "paddedCell" field; keep only one`,
      );
    }
    const text = readFileSync(jsonPath, "utf8");
    return harden({
      manifest: parseJsonDocument<PluginManifest>("manifest", text, label(jsonPath)),
      file: label(jsonPath),
    });
  }
  return fromPackage === undefined
    ? undefined
    : harden({ manifest: fromPackage, file: label(pkgPath) });
}

const packageJson = (path: string, label: string): unknown => {
  const text = readFileSync(path, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message.slice(0, 120) : "unreadable";
    throw schemaError("manifest", label, "", `JSON (${detail})`);
  }
};
