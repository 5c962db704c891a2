// Reads the fenced code blocks of a guide, each with the marker comment
// that says how a test exercises it, so that no block of a guide can go
// untested: a block without a marker is an error.
//
//   File `path`:         the block is the content of a file of the project
//                        (a caption the reader sees, so the file name is visible)
//   <!-- run -->         a shell command; the next block (```text) is its output
//   <!-- setup -->       shell commands a reader runs once (checked, not all run)
//   <!-- snippet -->     TypeScript that a test imports and runs as a module
//   <!-- sample -->      sample output, whose format a test checks
import { readFile } from "node:fs/promises";

/** One fenced block and how it is exercised. */
export interface DocBlock {
  readonly kind: "file" | "run" | "output" | "setup" | "snippet" | "sample";
  readonly lang: string;
  readonly text: string;
  /** For `file` blocks. */
  readonly path?: string;
  /** For `run` blocks: the expected output. */
  readonly output?: string;
  /** Line in the guide, for messages. */
  readonly line: number;
}

const MARKER = /^(?:File `(\S+)`:|<!-- (run|setup|snippet|sample) -->)$/;

/** Parses `guide` into its blocks; throws on a block without a marker. */
export const readDocBlocks = async (guide: string): Promise<DocBlock[]> => {
  const lines = (await readFile(guide, "utf8")).split("\n");
  const blocks: DocBlock[] = [];
  let marker: RegExpExecArray | null = null;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? "";
    const m = MARKER.exec(line);
    if (m) {
      marker = m;
      continue;
    }
    const fence = /^```(\S*)/.exec(line);
    if (!fence) {
      if (line.trim() !== "" && marker !== null) marker = null;
      continue;
    }
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end += 1;
    const text = lines.slice(start, end).join("\n");
    const lang = fence[1] ?? "";
    const previous = blocks.at(-1);
    if (marker === null) {
      if (previous?.kind === "run" && lang === "text" && previous.output === undefined) {
        blocks[blocks.length - 1] = { ...previous, output: text };
        blocks.push({ kind: "output", lang, text, line: start });
      } else {
        throw new Error(
          `${guide}:${start}: a code block without a marker says nothing about how it is tested`,
        );
      }
    } else {
      const path = marker[1];
      const kind = path !== undefined ? "file" : (marker[2] as DocBlock["kind"]);
      blocks.push({ kind, lang, text, line: start, ...(path !== undefined ? { path } : {}) });
    }
    marker = null;
    i = end;
  }
  return blocks;
};
