/**
 * Copies errors as they cross a membrane: errors are data, passed by copy.
 *
 * Invariants:
 * 1. A copy carries only `name`, `message` and `code` (and a `stack` that is
 *    "name: message"): no host stack frames, no host file paths, no other
 *    property of the original, no reference to it. A copy towards the host
 *    may add the guest's own frames that the host's `guestFrames` picked
 *    (the cell's files, which the cell knows already), at most
 *    MAX_GUEST_FRAMES, each a string of at most MAX_FRAME_LENGTH.
 * 2. Reading the original never invokes a getter: only own data properties
 *    are read. A guest value is copied only if it is not a Proxy (domain.ts
 *    checks), and the walk for `name` stops at the first Proxy on the chain,
 *    so no guest trap runs either.
 * 3. Host errors that are not {@link CellError}s may carry host paths in their
 *    messages (Node's `ENOENT: ... open '/srv/...'`): when copied towards a
 *    guest, every absolute path or file URL in the message is replaced with
 *    `<host path>`. CellError messages are written in the cell's terms by
 *    contract and are kept as they are.
 */
import { CellError } from "./cell-error.js";
import {
  ReflectDefineProperty,
  ReflectGetOwnPropertyDescriptor,
  ReflectGetPrototypeOf,
} from "./commons.js";
import { isProxy } from "./value-brand.js";

/** Intrinsic error prototypes and their constructors. */
export const errorCtors = new Map<object, ErrorConstructor>();
for (const Ctor of [
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
  AggregateError,
] as ErrorConstructor[]) {
  errorCtors.set(Ctor.prototype, Ctor);
}

/** How far up a prototype chain the membrane looks for an intrinsic prototype. */
export const MAX_PROTO_DEPTH = 16;

const ownData = (object: object, key: string): unknown => {
  const desc = ReflectGetOwnPropertyDescriptor(object, key);
  return desc && "value" in desc ? desc.value : undefined;
};

const nameOf = (value: object, fallback: string): string => {
  let current: object | null = value;
  for (let depth = 0; current !== null && depth < MAX_PROTO_DEPTH; depth += 1) {
    if (isProxy(current)) break;
    const name = ownData(current, "name");
    if (typeof name === "string") return name;
    current = ReflectGetPrototypeOf(current);
  }
  return fallback;
};

// Closes the class "host path in an error message": a quoted absolute path
// (as Node quotes them, spaces included), file: URLs, Windows drive and UNC
// paths, and unquoted POSIX absolute paths of two or more segments.
//
// A scanner, not a regular expression: V8 compiles a regular expression
// lazily, and compiling one near the stack limit fails (a SyntaxError, or an
// abort in the RegExp compiler), while errors are copied exactly there.
const isSpace = (c: string): boolean => c === " " || c === "\n" || c === "\t" || c === "\r";
const TOKEN_END = new Set([" ", "\n", "\t", "\r", "'", '"', "`", ")", ","]);
const looksLikeHostPath = (token: string): boolean => {
  if (token.startsWith("file:") || token.startsWith("\\\\")) return true;
  const c = token.charCodeAt(0);
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (letter && token[1] === ":" && token[2] === "\\") return true;
  if (token[0] !== "/") return false;
  const second = token.indexOf("/", 1);
  return second > 1 && second < token.length - 1;
};

/** Replaces host paths in `message` with `<host path>`. */
export const redactHostPaths = (message: string): string => {
  let out = "";
  let i = 0;
  while (i < message.length) {
    const c = message[i] as string;
    if (c === "'" || c === '"' || c === "`") {
      const close = message.indexOf(c, i + 1);
      if (close > i) {
        const inner = message.slice(i + 1, close);
        const quotedPath = inner.startsWith("/") || looksLikeHostPath(inner);
        out += c + (quotedPath ? "<host path>" : inner) + c;
        i = close + 1;
        continue;
      }
    }
    const atStart = i === 0 || isSpace(message[i - 1] as string) || message[i - 1] === "(";
    if (atStart) {
      let end = i;
      while (end < message.length && !TOKEN_END.has(message[end] as string)) end += 1;
      const token = message.slice(i, end);
      if (token.length > 0 && looksLikeHostPath(token)) {
        out += "<host path>";
        i = end;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return out;
};

const MAX_GUEST_FRAMES = 10;
const MAX_FRAME_LENGTH = 300;

/** Invariant 1: the frames `pick` chose, bounded; none if it throws or answers oddly. */
const guestStackTail = (
  value: object,
  pick: ((error: object) => readonly string[]) | undefined,
): string => {
  if (pick === undefined) return "";
  let frames: readonly unknown[];
  try {
    frames = pick(value);
  } catch {
    return "";
  }
  let tail = "";
  for (let i = 0; i < frames.length && i < MAX_GUEST_FRAMES; i += 1) {
    const frame = frames[i];
    if (typeof frame === "string" && frame.length <= MAX_FRAME_LENGTH) tail += `\n    ${frame}`;
  }
  return tail;
};

/**
 * Copies an error. `towardsGuest` redacts host paths from messages of errors
 * that are not CellErrors; towards the host, `guestFrames` picks the guest's
 * frames the copy keeps.
 */
export const copyError = (
  value: object,
  Ctor: ErrorConstructor,
  towardsGuest: boolean,
  guestFrames?: (error: object) => readonly string[],
): Error => {
  const name = nameOf(value, Ctor.name);
  const rawMessage = ownData(value, "message");
  let message = typeof rawMessage === "string" ? rawMessage : "";
  if (towardsGuest && !(value instanceof CellError)) message = redactHostPaths(message);
  const code = ownData(value, "code");
  const copy =
    Ctor === (AggregateError as unknown) ? new AggregateError([], message) : new Ctor(message);
  const define = (key: string, v: unknown) =>
    ReflectDefineProperty(copy, key, { value: v, writable: true, configurable: true });
  if (name !== Ctor.name) define("name", name);
  if (typeof code === "string" || typeof code === "number") define("code", code);
  const tail = towardsGuest ? "" : guestStackTail(value, guestFrames);
  define("stack", (message ? `${name}: ${message}` : name) + tail);
  return copy;
};
