/**
 * The terminal prompt of `padded-cell run`: when the plugin reads or writes
 * a file, or reaches a network peer, that no grant covers, ask the person
 * at the terminal, as Deno does, instead of failing the run.
 *
 * Invariants:
 * 1. Only on a terminal: without a TTY on both stdin and stderr (a pipe, a
 *    CI job), or with --no-prompt, there is no prompt and the access is
 *    refused as before.
 * 2. The question shows the path in the cell's terms, escaped by
 *    `terminalSafe` (cli-escape.ts), so a plugin cannot draw its own
 *    question or answer on the terminal (class: terminal spoofing).
 * 3. One question at a time, in the order asked; anything but an explicit
 *    yes (`y`, `a`, `s`) is a no, and so is the end of input.
 * 4. `s` writes the path or peer into the plugin's entry of the --policy file (which
 *    the cell can never write, see cli-run.ts invariant 5); without
 *    --policy, `s` is not offered.
 *
 * It does not decide what a grant covers (see policy-fs-cap.ts, invariant 5).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { AccessAnswer, AccessRequest, AccessAsk } from "@padded-cell/host";
import { terminalSafe } from "./cli-escape.js";

/** A stream that may be a terminal. */
type MaybeTty = { readonly isTTY?: boolean };

/** What the prompt reads from and writes to. */
export interface PromptIo {
  readonly stdin: NodeJS.ReadableStream & MaybeTty;
  readonly stderr: NodeJS.WritableStream & MaybeTty;
}

/** Where `s` saves an answer. */
export interface PromptPolicyFile {
  /** The file on disk. */
  readonly path: string;
  /** The file as the user named it. */
  readonly label: string;
}

/** A prompt, and how to let the process end once the run is over. */
export interface TerminalPrompt {
  readonly ask: AccessAsk;
  readonly close: () => void;
}

const escapeControls = (text: string): string => terminalSafe(text.slice(0, 300));

/** Invariant 4: adds the target to the plugin's `fs.read`, `fs.write` or `net` in the policy file. */
const savePermission = (file: PromptPolicyFile, plugin: string, request: AccessRequest): void => {
  type Entry = { fs?: { read?: string[]; write?: string[] }; net?: string[] };
  const doc = JSON.parse(readFileSync(file.path, "utf8")) as { plugins?: Record<string, Entry> };
  const entry = ((doc.plugins ??= {})[plugin] ??= {});
  const list =
    request.access === "net" ? (entry.net ??= []) : ((entry.fs ??= {})[request.access] ??= []);
  if (!list.includes(request.target)) list.push(request.target);
  writeFileSync(file.path, `${JSON.stringify(doc, null, 2)}\n`);
};

/** How a question names an access: "read ./a.txt", "reach api.example.com:443". */
const verbOf = (request: AccessRequest): string =>
  request.access === "net" ? "reach" : request.access;

/**
 * Makes the prompt of one run, or undefined where invariant 1 says there is none.
 *
 * @example
 * ```ts
 * const prompt = makeTerminalPrompt({ stdin: process.stdin, stderr: process.stderr }, "md", undefined);
 * const answer = await prompt?.ask({ access: "read", path: "./notes.md" }); // "once" after "y"
 * prompt?.close();
 * ```
 */
export const makeTerminalPrompt = (
  io: PromptIo,
  plugin: string,
  policyFile: PromptPolicyFile | undefined,
): TerminalPrompt | undefined => {
  if (io.stdin.isTTY !== true || io.stderr.isTTY !== true) return undefined;
  let lines: ReturnType<typeof createInterface> | undefined;
  // Lines typed ahead wait here for their question; questions wait for lines.
  const typed: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let ended = false;
  const nextLine = (): Promise<string | undefined> => {
    if (lines === undefined) {
      lines = createInterface({ input: io.stdin, terminal: false });
      lines.on("line", (line) => {
        const answer = waiting.shift();
        if (answer === undefined) typed.push(line);
        else answer(line);
      });
      lines.on("close", () => {
        ended = true;
        for (const answer of waiting.splice(0)) answer(undefined);
      });
    }
    if (typed.length > 0) return Promise.resolve(typed.shift());
    if (ended) return Promise.resolve(undefined);
    return new Promise((answer) => waiting.push(answer));
  };
  const choices = `[y] once, [a] always for this run, ${policyFile === undefined ? "" : `[s] always and save to ${escapeControls(policyFile.label)}, `}[n] deny`;
  // Invariant 3: one question at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const ask: AccessAsk = (request) => {
    const asked = queue.then(async (): Promise<AccessAnswer> => {
      io.stderr.write(
        `padded-cell: plugin "${escapeControls(plugin)}" wants to ${verbOf(request)} ${escapeControls(request.target)}, which no grant covers.\n  Allow? ${choices}: `,
      );
      const reply = (await nextLine())?.trim().toLowerCase();
      if (reply === "y") return "once";
      if (reply === "a") return "always";
      if (reply === "s" && policyFile !== undefined) {
        const where = escapeControls(policyFile.label);
        try {
          savePermission(policyFile, plugin, request);
          io.stderr.write(`padded-cell: saved to ${where}.\n`);
        } catch {
          io.stderr.write(`padded-cell: could not save to ${where}; allowed for this run only.\n`);
        }
        return "always";
      }
      if (reply === undefined) io.stderr.write("\n");
      return "deny";
    });
    queue = asked.catch(() => undefined);
    return asked;
  };
  return { ask, close: () => lines?.close() };
};
