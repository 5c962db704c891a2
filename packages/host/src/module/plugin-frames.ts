/**
 * The frames of an error's stack that lie in the plugin's own files
 * (`file:///plugin/...`): what a host may show of where a cell's code
 * failed, and what a cell may see again without learning anything new.
 *
 * Invariants:
 * 1. Only frames whose location is a virtual plugin location are kept, at
 *    most PLUGIN_FRAME_LIMIT of them, each at most MAX_FRAME_LENGTH
 *    characters: no host file, host frame or host function's location ever
 *    passes (class: host paths reaching a cell through a stack it sees
 *    again).
 * 2. Reading a stack runs no code of the error's owner: only a native
 *    error (not a proxy) is read, through its own data `stack`, or through
 *    the engine's own `stack` getter (Node 24), never a getter someone put
 *    there; SES's privileged `getStackString` renders it when present.
 *
 * It does not rewrite the frames: they read as the cell's own stacks read.
 */
import { types } from "node:util";
import { VIRTUAL_ROOT } from "./module-read-powers.js";

const { isNativeError } = types;
const { getOwnPropertyDescriptor } = Object;

/** Frames of one error kept at most. */
export const PLUGIN_FRAME_LIMIT = 10;
const MAX_FRAME_LENGTH = 300;

/** SES installs it on the start compartment's global only; captured once. */
const getStackString: ((error: object) => string) | undefined = (() => {
  const candidate = (globalThis as { getStackString?: unknown }).getStackString;
  return typeof candidate === "function" ? (candidate as (error: object) => string) : undefined;
})();

/** The engine's `stack` getter where errors carry one (Node 24), captured once. */
const ENGINE_STACK_GETTER: unknown = getOwnPropertyDescriptor(new Error(), "stack")?.get;

/** `file:///plugin/a/b.js:3:14`, nothing before or after. */
const PLUGIN_LOCATION = new RegExp(`^${VIRTUAL_ROOT.replaceAll("/", "\\/")}[^\\s()]+:\\d+:\\d+$`);

/**
 * The stack text of a native error, read as invariant 2 says; undefined when
 * it cannot be read that way.
 *
 * @example
 * ```ts
 * readStack(new Error("x")); // "Error: x\n    at ..."
 * ```
 */
export const readStack = (error: unknown): string | undefined => {
  if (!isNativeError(error)) return undefined;
  const own = getOwnPropertyDescriptor(error, "stack");
  if (own === undefined) return undefined;
  const engine =
    "value" in own || (ENGINE_STACK_GETTER !== undefined && own.get === ENGINE_STACK_GETTER);
  if (!engine) return undefined;
  try {
    const stack =
      getStackString === undefined
        ? "value" in own
          ? own.value
          : error.stack
        : getStackString(error);
    return typeof stack === "string" ? stack : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The frames of `stack` at plugin locations (invariant 1), each as
 * `at fn (file:///plugin/x.js:3:14)` or `at file:///plugin/x.js:3:14`.
 *
 * @example
 * ```ts
 * pluginFrames("TypeError: x\n    at main (file:///plugin/a.js:4:14)\n    at run (/srv/host.js:1:1)");
 * // ["at main (file:///plugin/a.js:4:14)"]
 * ```
 */
export const pluginFrames = (stack: string): string[] => {
  const frames: string[] = [];
  for (const line of stack.split("\n")) {
    if (frames.length === PLUGIN_FRAME_LIMIT) break;
    const frame = line.trim();
    if (!frame.startsWith("at ") || frame.length > MAX_FRAME_LENGTH) continue;
    const open = frame.lastIndexOf(" (");
    const location =
      open === -1 ? frame.slice(3) : frame.endsWith(")") ? frame.slice(open + 2, -1) : "";
    // Nothing but the function's name may stand before the location.
    if (open !== -1 && frame.slice(3, open).includes("(")) continue;
    if (PLUGIN_LOCATION.test(location)) frames.push(frame);
  }
  return frames;
};

/**
 * The plugin frames of what a cell threw (invariants 1 and 2).
 *
 * @example
 * ```ts
 * pluginFramesOf(thrown); // ["at main (file:///plugin/index.js:3:9)"]
 * ```
 */
export const pluginFramesOf = (error: unknown): string[] => {
  const stack = readStack(error);
  return stack === undefined ? [] : pluginFrames(stack);
};
