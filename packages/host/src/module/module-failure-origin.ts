/**
 * Finds which package and file a module failure came from, so that a load
 * error names the module that failed rather than the entry the host imported.
 *
 * Two sources, most precise first:
 * - CommonJS modules: the parser wraps each module's execution and notes the
 *   location of the innermost module a thrown value passed through
 *   (`noteOrigin`), so a module that requires a failing one does not take
 *   the blame.
 * - ES modules (and code a module called into): the first frame of the
 *   error's stack in the virtual plugin space (`file:///plugin/...`), read
 *   as `plugin-frames.ts` reads stacks.
 *
 * Invariants:
 * 1. Only virtual locations are described: a frame outside
 *    `file:///plugin/` (a host file) is never reported, so no host path
 *    reaches a message.
 * 2. Never throws and never calls code of the failed module: a thrown value
 *    is only used as a WeakMap key, and a stack is read only from a native
 *    error, through its own data `stack` or the engine's own getter
 *    (`readStack`).
 * 3. The thrown value itself is left unchanged, so cell code that catches a
 *    failed `require()` sees what Node would give it.
 *
 * It does not track primitives that are thrown (they have no identity); such
 * failures are described without an origin.
 */
import { VIRTUAL_ROOT } from "./module-read-powers.js";
import { readStack } from "./plugin-frames.js";

const FRAME_LOCATION = /file:\/\/\/plugin\/[^\s()]*?(?::\d+){1,2}(?=\)|\s|$)/;

/** Where a failure came from, in the cell's terms. */
export interface FailureOrigin {
  /** The npm package (`lodash`, `@babel/parser`), or undefined for the plugin's own files. */
  readonly packageName: string | undefined;
  /** The file, relative to its package (`./lib/a.js:12:5` when the line is known). */
  readonly file: string;
}

/**
 * Splits a virtual location (`file:///plugin/node_modules/a/lib/x.js:3:1`)
 * into its package and its file within the package.
 *
 * @example
 * ```ts
 * originOfLocation("file:///plugin/node_modules/@babel/parser/lib/index.js");
 * // { packageName: "@babel/parser", file: "./lib/index.js" }
 * ```
 */
export const originOfLocation = (location: string): FailureOrigin | undefined => {
  if (!location.startsWith(VIRTUAL_ROOT)) return undefined;
  const parts = location
    .slice(VIRTUAL_ROOT.length)
    .split("/")
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  const path = parts.join("/");
  const last = parts.lastIndexOf("node_modules");
  if (last === -1) return { packageName: undefined, file: `./${path}` };
  const scoped = parts[last + 1]?.startsWith("@") === true;
  const nameParts = parts.slice(last + 1, last + (scoped ? 3 : 2));
  const rest = parts.slice(last + 1 + nameParts.length);
  return { packageName: nameParts.join("/"), file: `./${rest.join("/")}` };
};

/**
 * Describes an origin for a message: `package lodash (./lodash.js:12:3)` or
 * `the plugin's ./index.js`.
 *
 * @example
 * ```ts
 * describeOrigin({ packageName: "ms", file: "./index.js" }); // "package ms, file ./index.js"
 * ```
 */
export const describeOrigin = (origin: FailureOrigin): string =>
  origin.packageName === undefined
    ? `the plugin's file ${origin.file}`
    : `package ${origin.packageName}, file ${origin.file}`;

/** Origins noted by one loader. */
export interface FailureOrigins {
  /** Notes that `thrown` left the module at `location`, unless an inner module already did. */
  readonly note: (thrown: unknown, location: string) => void;
  /** Where `thrown` came from, if known. */
  readonly originOf: (thrown: unknown) => FailureOrigin | undefined;
}

/**
 * Makes the origin table of one loader.
 *
 * @example
 * ```ts
 * const origins = makeFailureOrigins();
 * origins.note(error, "file:///plugin/node_modules/ms/index.js");
 * origins.originOf(error); // { packageName: "ms", file: "./index.js" }
 * ```
 */
export const makeFailureOrigins = (): FailureOrigins => {
  const noted = new WeakMap<object, string>();
  const isObject = (value: unknown): value is object =>
    (typeof value === "object" && value !== null) || typeof value === "function";
  const note = (thrown: unknown, location: string): void => {
    if (isObject(thrown) && !noted.has(thrown)) noted.set(thrown, location);
  };
  const fromStack = (thrown: object): FailureOrigin | undefined => {
    // Invariant 2: read as plugin-frames.ts reads stacks (native errors
    // only, through the engine's own accessor).
    const stack = readStack(thrown);
    if (stack === undefined) return undefined;
    const match = FRAME_LOCATION.exec(stack);
    return match === null ? undefined : originOfLocation(match[0]);
  };
  const originOf = (thrown: unknown): FailureOrigin | undefined => {
    if (!isObject(thrown)) return undefined;
    const location = noted.get(thrown);
    if (location !== undefined) {
      // The frame of the stack adds the line when it is in the same file.
      const precise = fromStack(thrown);
      const origin = originOfLocation(location);
      if (
        precise !== undefined &&
        origin !== undefined &&
        precise.packageName === origin.packageName &&
        precise.file.startsWith(`${origin.file}:`)
      ) {
        return precise;
      }
      return origin;
    }
    return fromStack(thrown);
  };
  return harden({ note, originOf });
};
