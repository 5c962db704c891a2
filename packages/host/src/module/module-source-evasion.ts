/**
 * Rewrites module source text so that SES's conservative source checks do
 * not reject valid code, without changing what the code means.
 *
 * SES refuses to evaluate any text containing `<!--`, `-->`, `import(` or
 * `eval(` anywhere (SES_HTML_COMMENT_REJECTED, SES_IMPORT_REJECTED, ...),
 * because it checks with a regular expression, not a parser. Real packages
 * such as markdown-it contain `<!--` inside string and template literals.
 * SES's own optional evasions change the contents of literals; this one
 * parses the module (with the @babel/parser that @endo/module-source itself
 * uses) and rewrites each occurrence according to where it is:
 *
 * - string literals and untagged template literals: an escape that denotes
 *   the same characters (`<\!--`, `--\>`, `impor\u0074(`, `eva\u006c(`);
 * - regular expressions without the `u`/`v` flag: identity escapes with the
 *   same meaning (`<\!--`, `--\>`);
 * - comments: the text is broken up (`<! --`, `-- >`), which changes nothing;
 * - code of an ES module: `i-->0` becomes `i-- >0` (same tokens). In a
 *   script (CommonJS) the same holds after other code on the line; `-->`
 *   at the start of a line opens an HTML-like comment there, which parsers
 *   disagree about, so that one is left alone.
 *
 * Invariants:
 * 1. Meaning is preserved: each rewrite yields the same tokens, or literal
 *    values equal to the original ones. Where no such rewrite exists (tagged
 *    templates, whose raw text is observable; `u`/`v` regular expressions;
 *    `import(`/`eval(` in code) the text is left alone and SES rejects it,
 *    so the evasion never weakens SES's checks on code.
 * 2. Line and column structure is kept: rewrites insert characters within a
 *    line only, so error positions stay meaningful.
 *
 * It does not touch sources without a suspicious pattern (fast path), and
 * leaves unparsable sources unchanged for the real parser to report.
 */
import { createRequire } from "node:module";

/** The part of @babel/parser this file uses. */
interface BabelNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly [key: string]: unknown;
}
interface BabelFile {
  readonly program: BabelNode;
  readonly comments?: readonly BabelNode[];
}
type BabelParse = (source: string, options: Record<string, unknown>) => BabelFile;

// @babel/parser is the parser of @endo/module-source; resolving it through
// module-source keeps both on the same version.
const requireFromHere = createRequire(import.meta.url);
const requireFromModuleSource = createRequire(
  requireFromHere.resolve("@endo/module-source/package.json"),
);
const babelParse = (requireFromModuleSource("@babel/parser") as { parse: BabelParse }).parse;

const SUSPICIOUS = /<!--|-->|\bimport\s*(?:\(|\/[/*])|\beval\s*\(/;
// Each pattern is broken by editing ONE character, found with lookarounds,
// so overlapping occurrences (`<!-->`) are all broken in a single pass.
const BANG_OF_OPEN = /(?<=<)!(?=--)/g; // the "!" of "<!--"
const GT_OF_CLOSE = /(?<=--)>/g; // the ">" of "-->"
const IMPORT_CALL = /\bimport(?=\s*(?:\(|\/[/*]))/g;
const EVAL_CALL = /\beval(?=\s*\()/g;

/** In string and template literals: escapes that denote the same characters. */
const inString = (text: string): string =>
  text
    .replace(BANG_OF_OPEN, "\\!")
    .replace(GT_OF_CLOSE, "\\>")
    .replace(IMPORT_CALL, "impor\\u0074")
    .replace(EVAL_CALL, "eva\\u006c");
/** In regular expressions without u/v: identity escapes, same pattern. */
const inRegex = (text: string): string =>
  text.replace(BANG_OF_OPEN, "\\!").replace(GT_OF_CLOSE, "\\>");
/** In comments: any change is harmless. */
const inComment = (text: string): string =>
  text
    .replace(BANG_OF_OPEN, "! ")
    .replace(GT_OF_CLOSE, " >")
    .replace(IMPORT_CALL, "import_")
    .replace(EVAL_CALL, "eval_");
/** In ES module code: a space between tokens. */
const inModuleCode = (text: string): string =>
  text.replace(BANG_OF_OPEN, " !").replace(GT_OF_CLOSE, " >");

/**
 * In script (CommonJS) code: `-->` after other code on its line is the
 * tokens `--` and `>` (only at the start of a line, after nothing but
 * whitespace or comments, does it open an HTML-like comment), so a space
 * between them keeps the meaning. One at the start of this code's line is
 * left alone for SES to reject.
 */
const inScriptCode = (text: string): string =>
  text.replace(/-->/g, (match, offset: number) => {
    const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
    return text.slice(lineStart, offset).trim() === "" ? match : "-- >";
  });

type Kind = "string" | "regex" | "comment" | "keep";
interface Span {
  readonly start: number;
  readonly end: number;
  readonly kind: Kind;
}

const collectSpans = (file: BabelFile, source: string): Span[] => {
  const spans: Span[] = [];
  for (const comment of file.comments ?? []) {
    // An HTML-like comment of a script (`<!-- x`, `--> x` at a line start)
    // is kept: breaking its opening up would turn it into code.
    const html =
      source.startsWith("<!--", comment.start) || source.startsWith("-->", comment.start);
    spans.push({ start: comment.start, end: comment.end, kind: html ? "keep" : "comment" });
  }
  // Explicit stack, not recursion: deeply nested sources cannot overflow it.
  const stack: Array<{ node: BabelNode; tagged: boolean }> = [
    { node: file.program, tagged: false },
  ];
  while (stack.length > 0) {
    const { node, tagged } = stack.pop()!;
    switch (node.type) {
      case "StringLiteral":
      case "DirectiveLiteral":
        spans.push({ start: node.start, end: node.end, kind: "string" });
        continue;
      case "TemplateElement":
        spans.push({ start: node.start, end: node.end, kind: tagged ? "keep" : "string" });
        continue;
      case "RegExpLiteral": {
        const flags = `${node.flags as string}`;
        const unicode = flags.includes("u") || flags.includes("v");
        spans.push({ start: node.start, end: node.end, kind: unicode ? "keep" : "regex" });
        continue;
      }
      default:
        break;
    }
    for (const key of Object.keys(node)) {
      if (
        key === "loc" ||
        key === "leadingComments" ||
        key === "trailingComments" ||
        key === "innerComments"
      ) {
        continue;
      }
      const value = node[key];
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (
          child !== null &&
          typeof child === "object" &&
          typeof (child as BabelNode).type === "string"
        ) {
          const isQuasiOfTag = node.type === "TaggedTemplateExpression" && key === "quasi";
          stack.push({
            node: child as BabelNode,
            tagged: isQuasiOfTag || (tagged && node.type === "TemplateLiteral"),
          });
        }
      }
    }
  }
  return spans.sort((a, b) => a.start - b.start);
};

/**
 * Rewrites `source` so SES's regular-expression checks accept it, keeping
 * its meaning (see the file header). Returns `source` itself when nothing
 * needs rewriting or the source does not parse.
 *
 * @param source - module text
 * @param goal - `"module"` for ES modules, `"script"` for CommonJS bodies
 * @example
 * ```ts
 * evadeSourceChecks("const c = `<!-- x -->`;", "module");
 * // "const c = `<\\!-- x --\\>`;"
 * ```
 */
export const evadeSourceChecks = (source: string, goal: "module" | "script"): string => {
  if (!SUSPICIOUS.test(source)) return source;
  let file: BabelFile;
  try {
    file = babelParse(source, {
      sourceType: goal,
      allowReturnOutsideFunction: goal === "script",
      allowAwaitOutsideFunction: false,
      errorRecovery: false,
    });
  } catch {
    return source;
  }
  const spans = collectSpans(file, source);
  let out = "";
  let cursor = 0;
  const emitCode = (end: number): void => {
    const code = source.slice(cursor, end);
    out += goal === "module" ? inModuleCode(code) : inScriptCode(code);
    cursor = end;
  };
  for (const span of spans) {
    if (span.start < cursor) continue;
    emitCode(span.start);
    const text = source.slice(span.start, span.end);
    switch (span.kind) {
      case "string":
        out += inString(text);
        break;
      case "regex":
        out += inRegex(text);
        break;
      case "comment":
        out += inComment(text);
        break;
      case "keep":
        out += text;
        break;
    }
    cursor = span.end;
  }
  emitCode(source.length);
  return out;
};
