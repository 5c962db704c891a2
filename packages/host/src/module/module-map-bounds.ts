/**
 * Keeps a package's `exports`/`imports` maps from taking the host down.
 *
 * The compartment mapper turns a package's subpath patterns into module
 * redirects that SES follows one after the other, in microtasks. A pattern
 * that matches its own output (`"./dist/*": "./dist/*.js"` applied to
 * `./dist/a.cjs` gives `./dist/a.cjs.js`, then `./dist/a.cjs.js.js`, ...)
 * redirects forever, growing the specifier, until the host runs out of
 * memory (endo#3349). Two measures, one per layer:
 *
 * - `withoutSelfExportPatterns`: a package's `exports` patterns apply to
 *   specifiers that name the package from outside (`pkg/dist/a`), never to
 *   its own relative specifiers, as in Node. The mapper of this version also
 *   applies them to the package's own `./` specifiers; they are removed from
 *   that package's own pattern list (the name-prefixed copies that other
 *   packages use stay).
 * - `boundRedirects`: whatever the map says, a chain of redirects longer
 *   than `MAX_REDIRECTS`, or to a specifier longer than `MAX_SPECIFIER`
 *   characters, fails the import with MODULE_LOAD_FAILED naming the package.
 *
 * Invariants:
 * 1. No package map can make the loader follow more than MAX_REDIRECTS
 *    redirects for one import, nor build a specifier longer than
 *    MAX_SPECIFIER: loading a package cannot exhaust the host's memory
 *    through its module map.
 * 2. Removing a pattern never makes a module reachable that was not: it only
 *    stops the package's own relative specifiers being rewritten.
 *
 * It does not bound what module code does when it runs (walls do that).
 */
import { moduleError } from "./module-error.js";
import { originOfLocation } from "./module-failure-origin.js";
import type { CellError } from "@padded-cell/membrane";

/** Longest chain of module redirects one import may follow. */
export const MAX_REDIRECTS = 32;
/** Longest module specifier a redirect may produce, in characters. */
export const MAX_SPECIFIER = 4096;

interface PatternDescriptor {
  readonly from: string;
  readonly to: string | null;
  readonly compartment?: string;
}

/**
 * A copy of a compartment map without each package's own `./` export
 * patterns (see the file header).
 *
 * @example
 * ```ts
 * const map = withoutSelfExportPatterns(await mapNodeModules(readPowers, entry));
 * ```
 */
export const withoutSelfExportPatterns = <Map extends object>(compartmentMap: Map): Map => {
  const { compartments } = compartmentMap as { compartments?: Record<string, object> };
  if (compartments === undefined) return compartmentMap;
  const copy: Record<string, object> = {};
  for (const [name, descriptor] of Object.entries(compartments)) {
    const { patterns } = descriptor as { patterns?: readonly PatternDescriptor[] };
    copy[name] =
      patterns === undefined
        ? descriptor
        : {
            ...descriptor,
            patterns: patterns.filter(
              (p) => p.compartment !== undefined || !(p.from === "." || p.from.startsWith("./")),
            ),
          };
  }
  return { ...compartmentMap, compartments: copy };
};

type ModuleMapHook = (specifier: string) => unknown;

/** The redirect bound of one loader. */
export interface RedirectBound {
  /** Records the name (location) of a compartment the loader made. */
  readonly name: (compartment: object, name: string) => void;
  /** Wraps the mapper's module map hook of compartment `name`. */
  readonly wrap: (
    name: string,
    hook: ModuleMapHook,
    fail: (error: CellError) => never,
  ) => ModuleMapHook;
}

/**
 * Makes the redirect bound of one loader (see the file header).
 *
 * @example
 * ```ts
 * const redirects = boundRedirects();
 * const moduleMapHook = redirects.wrap(location, linked.moduleMapHook, deny);
 * ```
 */
export const boundRedirects = (): RedirectBound => {
  const names = new WeakMap<object, string>();
  const depths = new Map<string, number>();
  const keyOf = (compartment: string, specifier: string): string => `${compartment}\0${specifier}`;
  const name = (compartment: object, compartmentName: string): void => {
    names.set(compartment, compartmentName);
  };
  const wrap =
    (
      compartmentName: string,
      hook: ModuleMapHook,
      fail: (error: CellError) => never,
    ): ModuleMapHook =>
    (specifier) => {
      const result = hook(specifier);
      if (result === null || typeof result !== "object") return result;
      const { compartment, namespace } = result as { compartment?: unknown; namespace?: unknown };
      if (
        typeof namespace !== "string" ||
        compartment === null ||
        typeof compartment !== "object"
      ) {
        return result;
      }
      const depth = (depths.get(keyOf(compartmentName, specifier)) ?? 0) + 1;
      if (depth > MAX_REDIRECTS || namespace.length > MAX_SPECIFIER) {
        const packageName =
          originOfLocation(names.get(compartment) ?? compartmentName)?.packageName ??
          "of the plugin";
        fail(
          moduleError(
            "MODULE_LOAD_FAILED",
            `Cannot load ${JSON.stringify(specifier.slice(0, 200))}: the exports or imports map of package ${packageName} redirects it again and again (more than ${MAX_REDIRECTS} times). Fix the package's "exports" patterns so that no pattern matches its own result.`,
          ),
        );
      }
      depths.set(keyOf(names.get(compartment) ?? compartmentName, namespace), depth);
      return result;
    };
  return harden({ name, wrap });
};
