/**
 * Module parsers for the compartment mapper that follow Node's rule for
 * `.js` files: the `"type"` of the NEAREST package.json decides whether a
 * `.js` file is an ES module or CommonJS.
 *
 * The mapper decides the language of `.js` from the package root's
 * package.json only. Packages such as `yaml` ship an ESM build in a
 * subfolder marked by its own `{"type": "module"}` package.json, which Node
 * honours; without this, such a file fails to parse as CommonJS.
 *
 * CommonJS files get a small prologue and a final line end (see
 * `parseCommonJs`): `module.exports` assigned during a require cycle is seen
 * by the modules in the cycle, `require.extensions` is the module's own
 * extensible copy, a hashbang line or a last-line comment no longer breaks
 * the wrapper, and a `sourceURL` names the module's virtual location.
 *
 * It also refuses an ES module whose static imports climb above its package
 * (`../../etc/passwd`), naming the specifier, before the mapper resolves it.
 *
 * Invariants:
 * 1. Reads go only through the confined read powers (module-read-powers.ts),
 *    and only for package.json files between a module and its package root.
 * 2. The walk up is bounded by the depth of the module's location.
 *
 * It does not change how `.mjs`, `.cjs` or `.json` files are parsed, and it
 * does not honour the `browser` field.
 */
import { randomUUID } from "node:crypto";
import { defaultParserForLanguage } from "@endo/compartment-mapper/import-parsers.js";
import { moduleError } from "./module-error.js";
import { describeLocation, type ConfinedReadPowers } from "./module-read-powers.js";
import { evadeSourceChecks } from "./module-source-evasion.js";
import { makeModuleSourceCache } from "./module-source-cache.js";
import type { FailureOrigins } from "./module-failure-origin.js";

/**
 * Compiled ES modules, shared by every loader of this host (see
 * module-source-cache.ts for why sharing them shares no state).
 */
let compiledModulesCache: ReturnType<typeof makeModuleSourceCache> | undefined;
// Made on first use, after lockdown (it hardens what it returns).
const compiledModules = () =>
  (compiledModulesCache ??= makeModuleSourceCache({
    maxEntries: 4096,
    maxChars: 64 * 1024 * 1024,
  }));

type Parsers = typeof defaultParserForLanguage;
type Parser = Parsers["cjs"];
type ParseArguments = Parameters<Parser["parse"]>;

const URLConstructor = URL;
const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/**
 * The default parsers of the compartment mapper, with the nearest-package.json
 * rule for `.js` files.
 *
 * @example
 * ```ts
 * const parsers = makeNodeParsers(makeConfinedReadPowers(realRoot));
 * await loadFromMap(readPowers, map, { parserForLanguage: parsers });
 * ```
 */
export const makeNodeParsers = (
  readPowers: ConfinedReadPowers,
  climbError: (specifier: string, referrer: string) => Error | undefined,
  origins: FailureOrigins,
): Parsers => {
  const typeByDirectory = new Map<string, string | undefined>();

  /** The "type" of the nearest package.json strictly below the package root. */
  const nestedTypeOf = (location: string, packageLocation: string): string | undefined => {
    if (!location.endsWith(".js")) return undefined;
    const root = packageLocation.endsWith("/") ? packageLocation : `${packageLocation}/`;
    let directory = new URLConstructor("./", location).href;
    const visited: string[] = [];
    let found: string | undefined;
    for (let depth = 0; depth < location.length; depth += 1) {
      if (!directory.startsWith(root) || directory === root) break;
      if (typeByDirectory.has(directory)) {
        found = typeByDirectory.get(directory);
        break;
      }
      visited.push(directory);
      const bytes = readPowers.maybeReadNow(`${directory}package.json`);
      if (bytes !== undefined) {
        let type: unknown;
        try {
          type = (JSON.parse(textDecoder.decode(bytes)) as { type?: unknown }).type;
        } catch {
          type = undefined;
        }
        found = type === "module" ? "module" : "commonjs";
        break;
      }
      directory = new URLConstructor("../", directory).href;
    }
    for (const seen of visited) typeByDirectory.set(seen, found);
    return found;
  };

  const mjsParser = defaultParserForLanguage.mjs as unknown as Parser;
  const cjsParser = defaultParserForLanguage.cjs;

  /** Picks the parser by the nearest package.json, then evades SES's checks. */
  const parseAs = (preferred: Parser, args: ParseArguments): ReturnType<Parser["parse"]> => {
    const nested = nestedTypeOf(`${args[2]}`, `${args[3]}`);
    const parser = nested === "module" ? mjsParser : nested === "commonjs" ? cjsParser : preferred;
    const [bytes, ...rest] = args;
    const source = textDecoder.decode(bytes);
    const location = `${args[2]}`;
    if (parser === mjsParser) {
      const record = compiledModules().get(location, source);
      if (record !== undefined)
        return { parser: "mjs", bytes, record } as ReturnType<Parser["parse"]>;
    }
    const evaded = evadeSourceChecks(source, parser === mjsParser ? "module" : "script");
    if (parser === cjsParser) return parseCommonJs(evaded, args);
    const parsed = parser.parse(evaded === source ? bytes : textEncoder.encode(evaded), ...rest);
    // Class closed here: an ES module whose static imports climb above its
    // package is refused with the cell's own specifier in the message
    // (CommonJS requires are checked when they resolve, so an unused one
    // does not fail the module, as in Node).
    if (parser === mjsParser) {
      const imports = (parsed.record as { imports?: readonly string[] }).imports ?? [];
      for (const specifier of imports) {
        if (specifier.startsWith("./") || specifier.startsWith("../")) {
          const error = climbError(specifier, `${args[1]}`);
          if (error !== undefined) throw error;
        }
      }
      compiledModules().set(location, source, parsed.record as object);
    }
    return parsed;
  };

  /**
   * CommonJS: the mapper wraps the body in a function expression, so the
   * body is given a final line end (class closed: a file whose last line is
   * a comment, such as `//# sourceMappingURL=x.map` without a newline,
   * swallowed the wrapper's closing brace), and a `sourceURL` naming its
   * virtual location, so stacks name the module. Its execution notes where
   * a thrown value left the module (module-failure-origin.ts).
   */
  const parseCommonJs = (source: string, args: ParseArguments): ReturnType<Parser["parse"]> => {
    const location = `${args[2]}`;
    const key = `__paddedCellExports${randomUUID().replaceAll("-", "")}`;
    // Class closed here: in a require cycle, a module that required this
    // one while it runs must see what `module.exports` holds at that moment
    // (semver's classes assign `module.exports = Range` and then require a
    // module that requires them back), not the empty object the mapper
    // publishes until the module returns. Assigning `module.exports` also
    // defines it under `key` on the first exports object (non-enumerable, so
    // never a named export), which the record below turns into the module's
    // published value at once. The key only reaches this module's own
    // record, which the module can already set by assigning module.exports.
    const liveExports = `(function (m, x, k) { var e = m.exports; Object.defineProperty(m, "exports", { configurable: true, enumerable: true, get: function () { return e; }, set: function (v) { e = v; try { Object.defineProperty(x, k, { value: v, configurable: true }); } catch (_) {} } }); })(module, exports, ${JSON.stringify(key)});`;
    // Class closed here: packages that register a compiler for their own
    // file type (`require.extensions[".hbs"] = ...`, handlebars) threw,
    // because the mapper's `require.extensions` is a frozen stub. Each
    // module gets its own `require` with an extensible copy of it: the
    // registration is accepted and, as for any file type in a cell, has no
    // effect on loading. The copy is made by the module's own code, in its
    // compartment, and is shared with no other module.
    const ownRequire = `require = (function (r) { var x = Object.create(null); Object.keys(r.extensions).forEach(function (n) { x[n] = r.extensions[n]; }); var q = function require(s) { return r(s); }; q.resolve = r.resolve; q.extensions = x; return q; })(require);`;
    // Class closed here: a hashbang line is valid only at the start of a
    // file, and the mapper wraps the file in a function.
    const text = source.startsWith("#!") ? `//${source.slice(2)}` : source;
    const body = `${liveExports}${ownRequire}${text}\n//# sourceURL=${location}\n`;
    const [, ...rest] = args;
    const parsed = cjsParser.parse(textEncoder.encode(body), ...rest);
    const record = parsed.record as { execute?: (...a: unknown[]) => unknown };
    const execute = record.execute;
    if (typeof execute !== "function") return parsed;
    const noted = (environment: Record<PropertyKey, unknown>, ...a: unknown[]) => {
      const published = new Proxy(environment, {
        set: (target, property, value) => {
          if (property === key) target.default = value;
          else target[property] = value;
          return true;
        },
      });
      try {
        return Reflect.apply(execute, record, [published, ...a]);
      } catch (error) {
        origins.note(error, location);
        throw error;
      }
    };
    return {
      ...parsed,
      bytes: args[0],
      record: harden({ ...record, execute: noted }),
    } as ReturnType<Parser["parse"]>;
  };

  const cjs = harden({
    ...cjsParser,
    parse: (...args: ParseArguments) => parseAs(cjsParser, args),
  });
  const mjs = harden({
    ...defaultParserForLanguage.mjs,
    parse: (...args: ParseArguments) => parseAs(mjsParser, args),
  });
  // A JSON module that does not parse fails with MODULE_SYNTAX, like a
  // JavaScript one; never with the engine's own SyntaxError (closes "a host
  // error object, with its host stack, reaches the cell through import()").
  const jsonParser = defaultParserForLanguage.json as Parser;
  const json = harden({
    ...jsonParser,
    parse: (...args: ParseArguments) => {
      const parsed = jsonParser.parse(...args);
      const record = parsed.record as { execute?: (...a: unknown[]) => unknown };
      const execute = record.execute;
      if (typeof execute !== "function") return parsed;
      // The mapper parses JSON when the module executes: that is where a
      // malformed file fails.
      const guarded = (...a: unknown[]) => {
        try {
          return Reflect.apply(execute, record, a);
        } catch {
          throw moduleError(
            "MODULE_SYNTAX",
            `Syntax error: ${describeLocation(`${args[2]}`)} is not valid JSON.`,
          );
        }
      };
      return { ...parsed, record: harden({ ...record, execute: guarded }) } as ReturnType<
        Parser["parse"]
      >;
    },
  });
  return harden({ ...defaultParserForLanguage, cjs, mjs, json }) as Parsers;
};
