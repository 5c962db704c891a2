/**
 * The one way Padded Cell locks a realm down: the host's (on import), a
 * wall's (worker thread or child process) and the CLI's realm all call
 * {@link lockdownRealm}, so a package behaves the same at every isolation
 * level, and the application that imports the host keeps behaving as Node.
 *
 * Invariants:
 * 1. One set of options everywhere ({@link REALM_LOCKDOWN_OPTIONS}): the host,
 *    every wall and the CLI differ in nothing, so no package can load behind
 *    a wall and fail in a compartment (or the reverse).
 * 2. The host application is left as Node made it: its errors keep their
 *    stacks (`errorTaming: "unsafe"`), its `console` is Node's
 *    (`consoleTaming: "unsafe"`), and an uncaught error or unhandled
 *    rejection is Node's business (`errorTrapping`/`unhandledRejectionTrapping`
 *    `"none"`: exit code 1, Node's own report).
 * 3. Guests still never read a host frame or a host path in a stack. Class
 *    closed: "a stack string that holds a frame of cell code also holds host
 *    frames". Every stack string of the realm is rendered by
 *    {@link renderStack}: when any frame is cell code (all code a
 *    Compartment evaluates is `eval` code to V8, whatever `sourceURL` it
 *    claims), only the cell's frames are shown. An error a guest can create,
 *    catch or be thrown, has cell code on its stack; host errors reach cells
 *    only as membrane copies (name and message). Guests cannot replace the
 *    renderer: SES gives compartments a `prepareStackTrace` and
 *    `captureStackTrace` that do nothing.
 * 4. SES's `overrideTaming: "moderate"` (SES's default, so the host
 *    application's own assignments such as `error.message = ...` keep
 *    working): assigning `constructor`, `message`, `name` or `toString` on
 *    an object that inherits them from a frozen error prototype, `toString`
 *    on any object, `bind` on a function, typed array methods and the like
 *    defines an own property on the receiver, never on the intrinsic (the
 *    override mistake). Known cost: Node's `util.inspect` does not
 *    recognise an accessor `constructor`, so `console.log(error)` of an
 *    `Error` or `TypeError` prints `{}` (its `stack` is intact; print
 *    `error.stack`). SES's "severe" would also turn `Map` and `Set`
 *    printing into `Object(1) [Map]`; "min" would make the application's
 *    `error.message = ...` throw.
 *
 * 5. The realm's `Intl` is hardened too, as every intrinsic is: cells get
 *    its constructors (through their own `Intl`, see cell-ambient.ts), so no
 *    cell can change them for another cell or for the host.
 *
 * It does not harden the host's own classes (see `host-lockdown.ts`) and does
 * nothing if the realm is already locked down (the application chose
 * options itself; the stack renderer is then its choice too).
 */
import "ses";
// Invariant 1 includes the intrinsics: `HandledPromise` (which CapTP needs in
// walls) is installed before lockdown in every realm, so it is a hardened
// intrinsic of every cell's compartment, not of walled cells only.
import "@endo/eventual-send/shim.js";

/** The lockdown options of every Padded Cell realm (invariants 1, 2, 4). */
export const REALM_LOCKDOWN_OPTIONS = Object.freeze({
  errorTaming: "unsafe",
  consoleTaming: "unsafe",
  errorTrapping: "none",
  unhandledRejectionTrapping: "none",
  overrideTaming: "moderate",
  stackFiltering: "verbose",
} as const);

/** The parts of a V8 call site the renderer reads (SES's attenuated call site). */
interface CallSiteLike {
  isEval(): boolean;
  getFunctionName(): string | null;
  getScriptNameOrSourceURL(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  toString(): string;
}

const { apply } = Reflect;
const ObjectToString = Object.prototype.toString;
const ErrorToString = Error.prototype.toString;
const ArrayFilter = Array.prototype.filter;
const ArraySome = Array.prototype.some;
const ArrayMap = Array.prototype.map;
const ArrayJoin = Array.prototype.join;

/** `error.toString()` without running a guest's getters twice or throwing. */
const headerOf = (error: unknown): string => {
  try {
    return String(apply(ErrorToString, error, []));
  } catch {
    try {
      return String(apply(ObjectToString, error, []));
    } catch {
      return "Error";
    }
  }
};

const isCellFrame = (site: CallSiteLike): boolean => {
  try {
    return site.isEval() === true;
  } catch {
    return true;
  }
};
const hostFrameText = (site: CallSiteLike): string => {
  try {
    return `\n    at ${String(site.toString())}`;
  } catch {
    return "\n    at <unknown>";
  }
};
// A cell frame is rebuilt from its own parts: V8's text for an eval frame
// names where the eval was called from, which is a host file of SES.
const cellFrameText = (site: CallSiteLike): string => {
  try {
    const name = site.getFunctionName() ?? "<anonymous>";
    const file = site.getScriptNameOrSourceURL() ?? "<cell>";
    return `\n    at ${String(name)} (${String(file)}:${site.getLineNumber() ?? 0}:${site.getColumnNumber() ?? 0})`;
  } catch {
    return "\n    at <cell>";
  }
};

/**
 * Renders a stack as V8 does (`Name: message` then `    at ...` lines), but
 * with only the cell's frames when any frame is cell code (invariant 3).
 *
 * @example
 * ```ts
 * Error.prepareStackTrace = renderStack; // done by lockdownRealm()
 * ```
 */
export const renderStack = (error: unknown, sites: readonly CallSiteLike[]): string => {
  // Rendering may run near the stack limit (the stack of a stack overflow is
  // rendered where it is first read); it must then fail to a constant, not
  // throw from a property read.
  try {
    const hasCellFrame = apply(ArraySome, sites, [isCellFrame]) as boolean;
    const frames = hasCellFrame
      ? apply(ArrayMap, apply(ArrayFilter, sites, [isCellFrame]), [cellFrameText])
      : apply(ArrayMap, sites, [hostFrameText]);
    return headerOf(error) + (apply(ArrayJoin, frames, [""]) as string);
  } catch {
    return "";
  }
};
Object.freeze(renderStack);

const isLockedDown = (): boolean =>
  typeof globalThis.harden === "function" && Object.isFrozen(Array.prototype);

/**
 * Locks the realm down with {@link REALM_LOCKDOWN_OPTIONS} and installs
 * {@link renderStack}, unless the realm is already locked down.
 *
 * @example
 * ```ts
 * import { lockdownRealm } from "@padded-cell/host/realm-lockdown";
 * lockdownRealm(); // first thing, before any module that hardens at load
 * ```
 */
export const lockdownRealm = (): void => {
  if (isLockedDown()) return;
  lockdown(REALM_LOCKDOWN_OPTIONS);
  // Invariant 5: SES leaves Intl out of the intrinsics it freezes; cells
  // share its constructors (cell-ambient.ts), so it is frozen like them.
  harden(Intl);
  // The start compartment's Error: its setter hands V8 a renderer that
  // receives SES's attenuated call sites.
  (Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = renderStack;
};
Object.freeze(lockdownRealm);
