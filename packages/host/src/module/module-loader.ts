/**
 * Loads ES modules and CommonJS packages from a plugin folder into fresh SES
 * compartments, for one cell.
 *
 * Built on Endo's compartment mapper: `mapNodeModules` reads the plugin's
 * package.json and node_modules into a compartment map (one compartment per
 * package), and `loadFromMap` links it with the ESM, CommonJS and JSON
 * parsers of `@endo/module-source`. All file access goes through
 * `module-read-powers.ts`, so the mapper only ever sees the virtual URL space
 * `file:///plugin/`. This file interposes on every compartment's hooks to
 * enforce the cell's import policy.
 *
 * Invariants:
 * 1. Confinement: modules are read only from inside the plugin root, after
 *    symbolic links are resolved (see module-read-powers.ts). A specifier
 *    that is an absolute path or a URL (`/etc/passwd`, `file:///...`,
 *    `data:...`), or that climbs above its package with `../`, is refused
 *    before any read with MODULE_OUTSIDE_ROOT.
 * 2. Default deny for bare specifiers: the plugin's own code reaches a
 *    package only if the imports allow list permits it; any code in the cell
 *    reaches a Node builtin only if `builtins` holds a facade for that exact
 *    specifier. Every other builtin (`node:child_process`, `process`, `fs`
 *    without a grant) fails with MODULE_DENIED, for static imports, dynamic
 *    `import()` and `require()` alike, because they all pass the same hooks.
 * 3. Isolation: each loader links its own compartments, so each cell has its
 *    own instance of every module it imports; nothing mutable is shared
 *    between two loaders except what the host passes in `globals` and
 *    `builtins` (which it must harden).
 * 4. No host paths reach the cell: `import.meta.url`, `__filename`,
 *    `__dirname` and every message use virtual locations
 *    (`file:///plugin/lib/a.js`, `./lib/a.js`); `import.meta` holds only
 *    `url`; `require.resolve` is not provided (it would need host paths).
 *    Every load failure the hooks see becomes a hardened `CellError` with a
 *    code from `moduleErrorCodes` and no host stack (module-error.ts), for
 *    the host and for cell code that catches a failed `import()`/`require()`.
 * 5. The realm is locked down, so a module that tries to change a shared
 *    intrinsic (`Array.prototype.x = ...`) throws while it evaluates.
 *
 * 6. No package's `exports`/`imports` map can make linking loop: redirects
 *    are bounded and a package's own relative specifiers are not rewritten
 *    by its exports patterns (module-map-bounds.ts). A failure of a module
 *    while it loads names its package and file (module-failure-origin.ts).
 *
 * Parsing follows Node's nearest-package.json rule for `.js` and rewrites
 * text that SES's regular-expression checks would reject (`<!--` in a
 * string) without changing its meaning: see module-parsers.ts and
 * module-source-evasion.ts. Compiled ES module sources (immutable records)
 * are shared between loaders through module-source-cache.ts; instances
 * never are.
 *
 * It does not bound memory or CPU (use a worker or process cell), does not
 * support top-level await in modules or `import()` in CommonJS modules, does
 * not load native addons (`.node`), does not let a package import files of
 * another package by relative path, and does not watch for changes: a loader
 * maps node_modules once, on its first import.
 */
import { addGlobalAliases } from "../cell/cell-global-object.js";
import { realpath } from "node:fs/promises";
import { mapNodeModules } from "@endo/compartment-mapper/node-modules.js";
import { CellError } from "@padded-cell/membrane";
import { moduleError } from "./module-error.js";
import {
  VIRTUAL_ROOT,
  describeLocation,
  makeConfinedReadPowers,
  type ConfinedReadPowers,
  type FileUrlString,
} from "./module-read-powers.js";
import { makeSnapshotReadPowers, type PluginSnapshot } from "./module-snapshot.js";
import { withDefaultPackage } from "./module-default-package.js";
import { makeShimBuiltins, type ShimSources } from "./builtin-shims.js";
import {
  describeOrigin,
  makeFailureOrigins,
  originOfLocation,
  type FailureOrigins,
} from "./module-failure-origin.js";
import { boundRedirects, withoutSelfExportPatterns } from "./module-map-bounds.js";
import {
  deniedImportError,
  isNodeBuiltin,
  makeImportAllowList,
  packageNameOf,
} from "./module-import-policy.js";
import type { ModuleErrorCode } from "./module-error-codes.js";
import type { ModuleDescriptor } from "ses";

/**
 * Options of {@link makeModuleLoader}.
 *
 * @example
 * ```ts
 * const options: ModuleLoaderOptions = {
 *   root: "/srv/plugins/markdown",
 *   allow: ["markdown-it", "yaml/*"],
 *   builtins: { "node:fs/promises": fsFacade, "fs/promises": fsFacade },
 *   globals: harden({ console: consoleFacade }),
 * };
 * ```
 */
export interface ModuleLoaderOptions {
  /** The plugin folder on the host; must contain a package.json. */
  readonly root?: string;
  /**
   * The plugin folder as bytes (see `snapshotPluginFolder`), instead of
   * `root`: how a cell behind a wall loads its modules with no file access.
   */
  readonly files?: PluginSnapshot;
  /**
   * Packages the plugin's own modules may import: exact specifiers
   * (`"yaml"`, `"yaml/util"`) or `"pkg/*"` for a package and all its
   * subpaths. Dependencies of an allowed package are reachable from that
   * package as declared in its package.json. Default: none.
   */
  readonly allow?: readonly string[];
  /**
   * Node builtins the cell may import, by exact specifier
   * (`{"node:fs/promises": fsFacade, "fs/promises": fsFacade}`): facades the
   * host already bound to the cell's grants. They must be hardened.
   */
  readonly builtins?: Readonly<Record<string, object>>;
  /** Endowments: properties added to every compartment's `globalThis`. */
  readonly globals?: object;
  /**
   * Builtins that need no grant (`buffer`, `events`, `path`,
   * `string_decoder`, `querystring`), evaluated in the cell from these
   * sources on first use, with a global `Buffer` for module code
   * (builtin-shims.ts). Default: none.
   */
  readonly shims?: ShimSources;
  /**
   * Package `exports` conditions to honour besides `import`/`require`/
   * `default`. Default none: cells have no Node authority, so the neutral
   * builds fit them best; `["node"]` picks Node builds, which often require
   * builtins such as `buffer` that a cell may not have.
   */
  readonly conditions?: readonly string[];
}

/**
 * What a cell uses to load its modules; see {@link makeModuleLoader}.
 *
 * @example
 * ```ts
 * const loader: ModuleLoader = makeModuleLoader({ root: "/srv/plugins/md", allow: ["markdown-it"] });
 * const ns = await loader.importModule("./index.js");
 * ```
 */
export interface ModuleLoader {
  /**
   * Imports a module of the plugin (`"./index.js"`, relative to the plugin
   * root) or an allowed package (`"markdown-it"`), and resolves to its module
   * namespace. Rejects with a `CellError` whose code is in
   * `moduleErrorCodes`.
   */
  readonly importModule: (specifier: string) => Promise<Record<string, unknown>>;
}

/** The options a Compartment constructor receives from the mapper's linker. */
interface LinkedCompartmentOptions {
  readonly name?: string;
  readonly moduleMapHook?: (specifier: string) => unknown;
  readonly resolveHook: (specifier: string, referrer: string) => string;
  readonly importHook: (specifier: string, ...rest: unknown[]) => Promise<unknown>;
  readonly importNowHook?: (specifier: string, ...rest: unknown[]) => unknown;
  readonly [option: string]: unknown;
}

/**
 * The Compartment options this file passes to SES 2.3. Written out here
 * because ses' own d.ts describes `globals`/`modules` as Maps (endo#3352).
 */
interface StrictCompartmentOptions extends LinkedCompartmentOptions {
  readonly __options__: true;
}

type CompartmentLike = {
  import(specifier: string): Promise<unknown>;
};
type CompartmentConstructor = new (options: StrictCompartmentOptions) => CompartmentLike;

/** Specifiers that name a place by themselves: absolute paths and URLs. */
const ABSOLUTE_OR_URL = /^(?:\/|\\|[a-z][a-z0-9+.-]*:)/i;

/** A virtual module record, as the exit hooks return. */
interface VirtualRecord {
  readonly imports: readonly string[];
  readonly exports: readonly string[];
  readonly execute: (...args: unknown[]) => void;
}

const absoluteError = (specifier: string): CellError =>
  moduleError(
    "MODULE_OUTSIDE_ROOT",
    `Denied: import of ${JSON.stringify(specifier)}. Absolute paths and URLs are not importable in a cell; import files relative to the importing module, inside the plugin folder.`,
  );
const { keys } = Object;

/**
 * The message of anything thrown. Module code can throw anything (a proxy,
 * an object whose `message` getter throws), so this never throws itself.
 */
const messageOf = (error: unknown): string => {
  try {
    return error !== null && typeof error === "object" && "message" in error
      ? `${(error as { message: unknown }).message}`
      : `${error}`;
  } catch {
    return "(a value the module threw that has no readable message)";
  }
};

/** Rewrites virtual URLs in a message from the mapper or SES to `./path`. */
const inCellTerms = (message: string): string =>
  message
    .replaceAll(VIRTUAL_ROOT, "./")
    .replace(/file:\/\/\/[^\s"'`)]*/g, "(a location outside the plugin root)");

/**
 * The error for a relative `specifier` that, resolved against `referrer` (a
 * module specifier relative to its package, like `./lib/a.js`), lands above
 * the package root; undefined if it stays inside.
 *
 * @example
 * ```ts
 * climbError("../../etc/passwd", "./index.js"); // a MODULE_OUTSIDE_ROOT CellError
 * ```
 */
export const climbError = (specifier: string, referrer: string): CellError | undefined => {
  const base = "file:///package/";
  const from = new URL(referrer.startsWith("./") ? referrer.slice(2) : referrer, base);
  const target = new URL(specifier, from);
  if (target.href.startsWith(base)) return undefined;
  return moduleError(
    "MODULE_OUTSIDE_ROOT",
    `Denied: import of ${JSON.stringify(specifier)} from ${JSON.stringify(referrer)}: it climbs above its package. Cells load only files inside their plugin folder; import relative to the module and inside it.`,
  );
};

/**
 * The specifier the entry compartment imports for a host-side request:
 * `./a/../b.js` becomes `./b.js`; absolute paths, URLs and specifiers that
 * climb above the plugin root are refused (invariant 1); bare specifiers
 * pass unchanged.
 */
const entrySpecifierOf = (specifier: string): string => {
  if (ABSOLUTE_OR_URL.test(specifier) && !specifier.startsWith("node:")) {
    throw moduleError(
      "MODULE_OUTSIDE_ROOT",
      `Denied: import of ${JSON.stringify(specifier)}. Absolute paths and URLs are not importable in a cell; name modules relative to the plugin root, such as './index.js'.`,
    );
  }
  if (
    specifier !== "." &&
    specifier !== ".." &&
    !specifier.startsWith("./") &&
    !specifier.startsWith("../")
  ) {
    return specifier;
  }
  const base = "file:///plugin/";
  const url = new URL(specifier, base);
  if (url.search !== "" || url.hash !== "") {
    throw moduleError(
      "MODULE_BAD_REQUEST",
      `Invalid specifier ${JSON.stringify(specifier)}: query strings and fragments are not supported.`,
    );
  }
  if (!url.href.startsWith(base)) {
    throw moduleError(
      "MODULE_OUTSIDE_ROOT",
      `Denied: import of ${JSON.stringify(specifier)}: it climbs above the plugin root. Cells load only files inside their plugin folder.`,
    );
  }
  return `./${url.href.slice(base.length)}`;
};

/**
 * Copies a record of host-provided values, refusing any value that is not
 * frozen. The loader does not harden them itself: hardening walks the whole
 * graph and could freeze host objects the host never meant to hand out
 * (its `globalThis`, say); the host hardens what it grants.
 */
const frozenRecordOf = (record: object, what: string): Readonly<Record<string, object>> => {
  const copy: Record<string, object> = {};
  for (const [name, value] of Object.entries(record)) {
    if ((typeof value === "object" && value !== null) || typeof value === "function") {
      if (!Object.isFrozen(value)) {
        throw moduleError(
          "MODULE_BAD_REQUEST",
          `The loader's ${what} must be hardened: ${JSON.stringify(name)} is not frozen. Pass harden(value).`,
        );
      }
    }
    copy[name] = value as object;
  }
  return Object.freeze(copy);
};

/**
 * A load failure as a CellError that names the package and file that failed,
 * when the origins know it (module-failure-origin.ts).
 */
/**
 * Where a refused dependency seems to be while the mapper searches: a
 * location with a NUL segment, which the read powers never map to a file.
 */
const REFUSED_LOCATION = `${VIRTUAL_ROOT}%00refused/` as FileUrlString;

const cellErrorOf = (
  error: unknown,
  fallback: ModuleErrorCode,
  context: string,
  origins?: FailureOrigins,
): CellError => {
  if (error instanceof CellError) return error;
  const message = messageOf(error);
  const code: ModuleErrorCode =
    error instanceof SyntaxError || /SES_[A-Z_]*REJECTED/.test(message)
      ? "MODULE_SYNTAX"
      : fallback;
  const origin = origins?.originOf(error);
  const where = origin === undefined ? "" : ` (failed in ${describeOrigin(origin)})`;
  return moduleError(code, `${context}${where}: ${inCellTerms(message)}`);
};

/**
 * Makes a module loader for one cell: its own compartments, its own module
 * instances, confined to `root`, importing only what `allow` and `builtins`
 * permit.
 *
 * @example
 * ```ts
 * const loader = makeModuleLoader({
 *   root: "/srv/plugins/markdown",
 *   allow: ["markdown-it"],
 *   builtins: {},
 *   globals: harden({ console }),
 * });
 * const { render } = await loader.importModule("./index.js");
 * ```
 */
export const makeModuleLoader = (options: ModuleLoaderOptions): ModuleLoader => {
  const { root, files, allow = [], builtins = {}, globals = {}, conditions = [], shims } = options;
  if (files === undefined && (typeof root !== "string" || root === "")) {
    throw moduleError("MODULE_BAD_REQUEST", "The module loader needs the plugin folder as `root`.");
  }
  const allowList = makeImportAllowList([...allow]);
  const builtinTable = frozenRecordOf(builtins, "builtins");
  const endowments = frozenRecordOf(globals, "globals");
  const hasBuiltin = (specifier: string): boolean =>
    Object.prototype.hasOwnProperty.call(builtinTable, specifier);
  // This cell's own instances of the shimmed builtins (builtin-shims.ts).
  const shimTable =
    shims === undefined
      ? undefined
      : makeShimBuiltins(shims, { console: (endowments as { console?: unknown }).console });
  const shimOf = (specifier: string): (() => object) | undefined =>
    shimTable !== undefined && Object.prototype.hasOwnProperty.call(shimTable, specifier)
      ? shimTable[specifier]
      : undefined;
  const origins = makeFailureOrigins();

  /**
   * A denial raised by one of our hooks. SES may wrap hook errors while it
   * loads a graph; the boundary below rethrows the denial itself.
   */
  let lastDenial: CellError | undefined;
  const takeDenial = (): CellError | undefined => {
    const denial = lastDenial;
    lastDenial = undefined;
    return denial;
  };
  const deny = (error: CellError): never => {
    lastDenial = error;
    throw error;
  };

  /**
   * Exit modules: builtins (invariant 2) and bare specifiers not linked in.
   * Used for static imports, import() and require() alike; synchronous so
   * that a computed require() reaches the same decision.
   */
  const exitImportNowHook = (specifier: string): ModuleDescriptor => {
    if (isNodeBuiltin(specifier)) {
      // A facade of a grant first; else this cell's own shim; else denied.
      const shim = hasBuiltin(specifier) ? undefined : shimOf(specifier);
      if (!hasBuiltin(specifier) && shim === undefined) deny(deniedImportError(specifier));
      const facade = (shim === undefined ? builtinTable[specifier] : shim()) as Record<
        string,
        unknown
      >;
      return harden({
        imports: [],
        exports: [...new Set([...keys(facade), "default"])],
        execute: (exports: Record<string, unknown>) => {
          for (const name of keys(facade)) exports[name] = facade[name];
          exports.default = facade;
        },
      });
    }
    if (specifier.startsWith("./") || specifier.startsWith("../") || specifier === ".") {
      return deny(
        moduleError(
          "MODULE_NOT_FOUND",
          `Not found: ${JSON.stringify(specifier)} is not in the plugin folder.`,
        ),
      );
    }
    if (ABSOLUTE_OR_URL.test(specifier)) return deny(absoluteError(specifier));
    if (!allowList.allows(specifier)) deny(deniedImportError(specifier));
    return deny(
      moduleError(
        "MODULE_NOT_FOUND",
        `Not found: ${JSON.stringify(specifier)} is allowed but not installed: install '${packageNameOf(specifier)}' in the plugin's node_modules and list it in the dependencies of its package.json.`,
      ),
    );
  };

  const exitImportHook = async (specifier: string): Promise<ModuleDescriptor> =>
    exitImportNowHook(specifier);

  /**
   * Wraps each compartment the linker creates, so every resolution passes our
   * checks (invariants 1 and 2), and records the entry compartment.
   */
  const compartmentsByName = new Map<string, CompartmentLike>();
  const redirects = boundRedirects();
  const PolicedCompartment = function PolicedCompartment(
    linked: LinkedCompartmentOptions,
  ): CompartmentLike {
    const isEntry = linked.name === VIRTUAL_ROOT;
    const resolveHook = (specifier: string, referrer: string): string => {
      const text = `${specifier}`;
      if (ABSOLUTE_OR_URL.test(text) && !text.startsWith("node:")) deny(absoluteError(text));
      // Class closed here: bare specifiers from the plugin's own package are
      // checked against the allow list before the mapper may link them.
      if (isEntry && !text.startsWith(".") && !isNodeBuiltin(text) && !allowList.allows(text)) {
        deny(deniedImportError(text));
      }
      // Class closed here: a relative specifier that climbs above its
      // package. (The mapper would turn "../x" into the bare "x", or throw.)
      if (text.startsWith("./") || text.startsWith("../")) {
        assertStaysInPackage(text, `${referrer}`);
      }
      try {
        return linked.resolveHook(text, referrer);
      } catch {
        return deny(
          moduleError(
            "MODULE_OUTSIDE_ROOT",
            `Denied: import of ${JSON.stringify(text)} from ${JSON.stringify(referrer)}: it climbs above its package. Cells load only files inside their plugin folder.`,
          ),
        );
      }
    };
    const packageOrigin = originOfLocation(`${linked.name}`);
    const packageName =
      packageOrigin?.packageName === undefined
        ? describeLocation(`${linked.name}`)
        : packageOrigin.packageName;
    /** Names the failure of a load in the cell's terms (invariant 4). */
    const translate = (error: unknown, specifier: string): CellError => {
      if (error instanceof CellError) return error;
      const message = messageOf(error);
      if (error instanceof SyntaxError || /SES_[A-Z_]*REJECTED/.test(message)) {
        return moduleError(
          "MODULE_SYNTAX",
          `Cannot parse ${JSON.stringify(specifier)} in package ${packageName}: ${inCellTerms(message)}`,
        );
      }
      if (/Cannot find (?:file|external module)/.test(message)) {
        return moduleError(
          "MODULE_NOT_FOUND",
          `Not found: ${JSON.stringify(specifier)} in package ${packageName} (also tried the .js, .json and /index.js forms).`,
        );
      }
      return moduleError(
        "MODULE_LOAD_FAILED",
        `Cannot load ${JSON.stringify(specifier)} in package ${packageName}: ${inCellTerms(message)}`,
      );
    };
    /**
     * The mapper answers a failed load of a require()d module with a
     * placeholder record (no imports, no exports) that throws the mapper's
     * own error if it runs; this makes it throw the translated CellError.
     */
    const sanitizeRecord = (record: unknown, specifier: string): unknown => {
      const candidate = record as Partial<VirtualRecord> | undefined;
      if (
        candidate !== undefined &&
        typeof candidate.execute === "function" &&
        Array.isArray(candidate.imports) &&
        candidate.imports.length === 0 &&
        Array.isArray(candidate.exports) &&
        candidate.exports.length === 0
      ) {
        const execute = candidate.execute;
        return harden({
          imports: [],
          exports: [],
          execute: (...args: unknown[]) => {
            try {
              execute(...args);
            } catch (error) {
              throw translate(error, specifier);
            }
          },
        });
      }
      return record;
    };
    // Every failure of a load becomes a CellError in the cell's terms
    // (invariant 4), whether the cell or the host asked for the module.
    // Computed require() and import() pass full specifiers straight to these
    // hooks (no resolveHook), so absolute ones are refused here too.
    const importHook = async (specifier: string, ...rest: unknown[]): Promise<unknown> => {
      const text = `${specifier}`;
      if (ABSOLUTE_OR_URL.test(text) && !text.startsWith("node:")) deny(absoluteError(text));
      try {
        return sanitizeRecord(await linked.importHook(text, ...rest), text);
      } catch (error) {
        return deny(translate(error, text));
      }
    };
    // For require(), a failure is answered with a record that throws the
    // CellError when it runs: thrown from the hook, SES would wrap it in an
    // error of its own.
    const importNowHook = (specifier: string, ...rest: unknown[]): unknown => {
      const text = `${specifier}`;
      let failure: CellError;
      if (ABSOLUTE_OR_URL.test(text) && !text.startsWith("node:")) {
        failure = absoluteError(text);
      } else if (linked.importNowHook === undefined) {
        failure = moduleError(
          "MODULE_LOAD_FAILED",
          `Cannot load ${JSON.stringify(text)} synchronously.`,
        );
      } else {
        try {
          return sanitizeRecord(linked.importNowHook(text, ...rest), text);
        } catch (error) {
          failure = translate(error, text);
        }
      }
      lastDenial = failure;
      return harden({
        imports: [],
        exports: [],
        execute: () => {
          throw failure;
        },
      });
    };
    const compartment = new (Compartment as unknown as CompartmentConstructor)({
      ...linked,
      resolveHook,
      importHook,
      importNowHook,
      // Class closed here: a package's module map that redirects without
      // end (module-map-bounds.ts).
      ...(linked.moduleMapHook === undefined
        ? {}
        : { moduleMapHook: redirects.wrap(`${linked.name}`, linked.moduleMapHook, deny) }),
      __options__: true,
    });
    addGlobalAliases(compartment as unknown as Parameters<typeof addGlobalAliases>[0]);
    if (typeof linked.name === "string") {
      compartmentsByName.set(linked.name, compartment);
      redirects.name(compartment, linked.name);
    }
    return compartment;
  } as unknown as CompartmentConstructor;

  /** Throws MODULE_OUTSIDE_ROOT if `specifier` climbs above the package. */
  const assertStaysInPackage = (specifier: string, referrer: string): void => {
    const error = climbError(specifier, referrer);
    if (error !== undefined) deny(error);
  };

  let entryPromise: Promise<CompartmentLike> | undefined;
  const link = async (): Promise<CompartmentLike> => {
    let readPowers: ConfinedReadPowers;
    if (files !== undefined) readPowers = makeSnapshotReadPowers(files);
    else {
      let realRoot: string;
      try {
        realRoot = await realpath(root as string);
      } catch {
        throw moduleError("MODULE_NOT_FOUND", "Not found: the plugin folder does not exist.");
      }
      readPowers = makeConfinedReadPowers(realRoot);
    }
    // A single-file plugin needs no package.json (module-default-package.ts).
    readPowers = withDefaultPackage(readPowers);
    // Class closed: a refusal rejecting inside the mapper's dependency
    // searches, which it starts before it awaits them, so the rejection has
    // no handler yet and, under Node's defaults, ends the host process. While
    // mapping, a refused location reads as absent (a location no read can
    // reach); the first refusal is thrown once the mapper is done.
    let refusal: unknown;
    const powers = readPowers;
    const mappingPowers: ConfinedReadPowers = harden({
      ...powers,
      canonical: async (location: FileUrlString) => {
        try {
          return await powers.canonical(location);
        } catch (error) {
          refusal ??= error;
          return REFUSED_LOCATION;
        }
      },
    });
    let compartmentMap;
    try {
      compartmentMap = await mapNodeModules(mappingPowers, `${VIRTUAL_ROOT}package.json`, {
        conditions: new Set(conditions),
      });
    } catch (error) {
      throw cellErrorOf(refusal ?? error, "MODULE_LOAD_FAILED", "Cannot map the plugin's packages");
    }
    if (refusal !== undefined) {
      throw cellErrorOf(refusal, "MODULE_LOAD_FAILED", "Cannot map the plugin's packages");
    }
    // The linker and the parsers (Babel) load on the first import, not with
    // the host: most hosts and cells never import a module.
    const [{ loadFromMap }, { makeNodeParsers }] = await Promise.all([
      import("@endo/compartment-mapper/import-lite.js"),
      import("./module-parsers.js"),
    ]);
    const application = await loadFromMap(readPowers, withoutSelfExportPatterns(compartmentMap), {
      parserForLanguage: makeNodeParsers(readPowers, climbError, origins),
      importNowHook: exitImportNowHook,
      Compartment: PolicedCompartment as unknown as typeof Compartment,
    });
    // The mapper's entry is ./package.json itself: a JSON module with no
    // effects, so linking evaluates no plugin code.
    await application.import({
      // Module code finds `Buffer` as a global, as in Node: this cell's own.
      globals:
        shimTable === undefined
          ? endowments
          : { ...endowments, Buffer: (shimTable.buffer!() as { Buffer: unknown }).Buffer },
      importHook: exitImportHook,
      Compartment: PolicedCompartment as unknown as typeof Compartment,
    });
    const entry = compartmentsByName.get(VIRTUAL_ROOT);
    if (entry === undefined) {
      throw moduleError(
        "MODULE_LOAD_FAILED",
        "Cannot link the plugin: no compartment for its root.",
      );
    }
    return entry;
  };

  const importModule = async (specifier: string): Promise<Record<string, unknown>> => {
    if (typeof specifier !== "string" || specifier === "") {
      throw moduleError(
        "MODULE_BAD_REQUEST",
        "importModule takes a module specifier string, such as './index.js'.",
      );
    }
    const fullSpecifier = entrySpecifierOf(specifier);
    if (!fullSpecifier.startsWith("./") && !isNodeBuiltin(fullSpecifier)) {
      if (!allowList.allows(fullSpecifier)) throw deniedImportError(fullSpecifier);
    }
    lastDenial = undefined;
    entryPromise ??= link();
    try {
      const entry = await entryPromise;
      const result = (await entry.import(fullSpecifier)) as { namespace: unknown };
      return result.namespace as Record<string, unknown>;
    } catch (error) {
      const denial = takeDenial();
      // Only the denial that caused this failure: a deferred denial of an
      // unused require() must not mask the real error.
      if (denial !== undefined && (error === denial || messageOf(error).includes(denial.message))) {
        throw denial;
      }
      throw cellErrorOf(
        error,
        "MODULE_LOAD_FAILED",
        `Cannot import ${JSON.stringify(specifier)}`,
        origins,
      );
    }
  };

  return harden({ importModule });
};
