/**
 * Virtual paths: turn a path a cell supplies into normalised segments relative
 * to the root of a directory grant, or refuse it.
 *
 * Invariants:
 * 1. Only primitive strings are accepted. A Buffer, URL, number or object is
 *    refused with `FS_BAD_PATH` without being converted, so no user code
 *    (`toString`, `valueOf`, `Symbol.toPrimitive`, getters) ever runs while a
 *    path is checked. (Closes the class "non-string path coerced via user
 *    code": a path that reads differently at check time and at use time.)
 * 2. `/` is the only separator. Backslashes and look-alike slashes (U+2215,
 *    U+2044, U+FF0F, U+29F8, ...) are refused, so no layer below us (another
 *    OS, a URL parser, a log viewer) can read a separator we did not see.
 * 3. NUL, other C0 control characters, DEL and lone surrogates are refused
 *    (a NUL truncates in C APIs; a lone surrogate is re-encoded as U+FFFD by
 *    UTF-8 conversion, so two spellings would name one file).
 * 4. The result never contains `.`, `..` or empty segments: `..` is resolved
 *    lexically and a `..` that would climb above the root is refused with
 *    `FS_OUTSIDE_ROOT` (never clamped, so a mistake is visible).
 * 5. Paths longer than 4096 bytes of UTF-8, or with a segment longer than 255
 *    bytes, are refused with `FS_PATH_TOO_LONG` before any I/O.
 *
 * It does not touch the file system: symbolic links are the capability's job.
 * Percent signs are ordinary characters (`%2F` is three characters, never a
 * slash), and Unicode is not normalised (NFC and NFD spellings are different
 * names, as on Linux).
 */
import { fsError } from "./fs-error-codes.js";

const MAX_PATH_BYTES = 4096;
const MAX_SEGMENT_BYTES = 255;
const MAX_QUOTED = 120;

// Captured at load so later changes to the realm cannot subvert the checks.
const JSONStringify = JSON.stringify;
const textEncoder = new TextEncoder();
const encodeUtf8 = (s: string): Uint8Array => textEncoder.encode(s);
// C0 controls, DEL, backslash, and every slash or backslash look-alike we know:
// U+2044 FRACTION SLASH, U+2215 DIVISION SLASH, U+2216 SET MINUS, U+29F5 REVERSE
// SOLIDUS OPERATOR, U+29F8 BIG SOLIDUS, U+29F9 BIG REVERSE SOLIDUS, U+FE68 SMALL
// REVERSE SOLIDUS, U+FF0F FULLWIDTH SOLIDUS, U+FF3C FULLWIDTH REVERSE SOLIDUS,
// U+1735 PHILIPPINE SINGLE PUNCTUATION, U+2571 BOX DRAWINGS LIGHT DIAGONAL,
// U+27CB MATHEMATICAL RISING DIAGONAL, U+27CD FALLING DIAGONAL, U+3033 VERTICAL
// KANA REPEAT MARK UPPER HALF.
const FORBIDDEN_CHAR =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f\\\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c\u1735\u2571\u27cb\u27cd\u3033]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const regexpTest = (re: RegExp, s: string): boolean => re.test(s);

/** A normalised path inside a grant: segments without `.`/`..`/empty ones. */
export interface VirtualPath {
  /** The segments, e.g. `["notes", "a.txt"]`; empty for the root. */
  readonly segments: readonly string[];
  /** The canonical spelling, e.g. `"/notes/a.txt"`; `"/"` for the root. */
  readonly path: string;
}

/**
 * Quote a caller-supplied path for an error message: JSON-escaped (so control
 * characters cannot forge lines) and shortened.
 *
 * @example
 * ```ts
 * quotePath("/a\nb"); // '"/a\\nb"'
 * ```
 */
export function quotePath(path: string): string {
  const short = path.length > MAX_QUOTED ? `${path.slice(0, MAX_QUOTED)}…` : path;
  return JSONStringify(short);
}

/**
 * Join segments into the canonical virtual spelling.
 *
 * @example
 * ```ts
 * formatVirtualPath(["notes", "a.txt"]); // "/notes/a.txt"
 * ```
 */
export function formatVirtualPath(segments: readonly string[]): string {
  return `/${segments.join("/")}`;
}

/**
 * Parse and normalise a path a cell supplied. `/` is the root of the grant and
 * relative paths are relative to it, so `"a/b"`, `"/a/b"`, `"./a//b/"` and
 * `"/x/../a/b"` all give `/a/b`.
 *
 * @param input - whatever the cell passed; only a primitive string is accepted.
 * @param op - the operation, for the error message (e.g. `"readFile"`).
 * @throws CellError `FS_BAD_PATH`, `FS_PATH_TOO_LONG` or `FS_OUTSIDE_ROOT`.
 *
 * @example
 * ```ts
 * parseVirtualPath("./notes/../notes/a.txt", "readFile").path; // "/notes/a.txt"
 * parseVirtualPath("../etc/passwd", "readFile"); // throws FS_OUTSIDE_ROOT
 * ```
 */
export function parseVirtualPath(input: unknown, op: string): VirtualPath {
  // Invariant 1: typeof never runs user code; nothing else is looked at.
  if (typeof input !== "string") {
    const kind = input === null ? "null" : typeof input;
    throw fsError(
      "FS_BAD_PATH",
      `${op}: the path must be a string, got ${kind}; Buffers, URLs and objects are not converted.`,
    );
  }
  if (input.length === 0) {
    throw fsError("FS_BAD_PATH", `${op}: the path is empty; use "/" for the root of the grant.`);
  }
  if (input.length > MAX_PATH_BYTES || encodeUtf8(input).length > MAX_PATH_BYTES) {
    throw fsError(
      "FS_PATH_TOO_LONG",
      `${op} ${quotePath(input)}: the path is longer than ${MAX_PATH_BYTES} bytes.`,
    );
  }
  if (regexpTest(FORBIDDEN_CHAR, input)) {
    throw fsError(
      "FS_BAD_PATH",
      `${op} ${quotePath(input)}: the path holds a control character, a backslash or a look-alike slash; only "/" separates segments.`,
    );
  }
  if (regexpTest(LONE_SURROGATE, input)) {
    throw fsError("FS_BAD_PATH", `${op} ${quotePath(input)}: the path is not well-formed Unicode.`);
  }
  const segments: string[] = [];
  for (const segment of input.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (segments.length === 0) {
        throw fsError(
          "FS_OUTSIDE_ROOT",
          `${op} ${quotePath(input)} denied: ".." would leave the granted directory; paths cannot climb above "/".`,
        );
      }
      segments.pop();
      continue;
    }
    if (encodeUtf8(segment).length > MAX_SEGMENT_BYTES) {
      throw fsError(
        "FS_PATH_TOO_LONG",
        `${op} ${quotePath(input)}: a segment is longer than ${MAX_SEGMENT_BYTES} bytes.`,
      );
    }
    segments.push(segment);
  }
  return harden({ segments: harden(segments), path: formatVirtualPath(segments) });
}
