/**
 * How the examples tell what happened: a `Narrator` receives structured
 * events (a plugin was granted something, did something, was denied
 * something) and the demo prints them for a person, while the tests record
 * them and assert on them.
 *
 * Invariants:
 * 1. Colour and cursor sequences are written only when the stream is a
 *    terminal (and `NO_COLOR` is unset); piped output is plain text.
 * 2. Text that came from a cell (error messages, plugin output) is printed
 *    with terminal control characters removed, so a plugin cannot drive the
 *    user's terminal through the tour.
 *
 * It does not decide anything; examples report, the narrator only shows.
 */

/** A denial as the examples report it: the stable code and the message a cell saw. */
export interface Denial {
  readonly code: string;
  readonly message: string;
}

/** One thing that happened in an example. */
export type TourEvent =
  | { readonly kind: "section"; readonly title: string; readonly text: string }
  | { readonly kind: "grant"; readonly who: string; readonly what: string }
  | { readonly kind: "did"; readonly who: string; readonly what: string }
  | {
      readonly kind: "denied";
      readonly who: string;
      readonly what: string;
      readonly denial: Denial;
    }
  | { readonly kind: "note"; readonly text: string };

/** Receives what the examples do. */
export interface Narrator {
  /** Starts an example. */
  section(title: string, text: string): void;
  /** `who` received `what`. */
  grant(who: string, what: string): void;
  /** `who` did `what`. */
  did(who: string, what: string): void;
  /** `who` tried `what` and was refused. */
  denied(who: string, what: string, denial: Denial): void;
  /** Anything else worth saying. */
  note(text: string): void;
  /** Shows progress while `work` runs (anything that may take more than a moment). */
  progress<T>(label: string, work: () => Promise<T>): Promise<T>;
}

/** A narrator that keeps every event, for tests. */
export interface RecordingNarrator extends Narrator {
  /** Every event so far. */
  readonly events: TourEvent[];
}

/**
 * Makes a narrator that records events.
 *
 * @example
 * ```ts
 * const narrator = makeRecordingNarrator();
 * await buildSite({ narrator });
 * narrator.events.filter((e) => e.kind === "denied");
 * ```
 */
export const makeRecordingNarrator = (): RecordingNarrator => {
  const events: TourEvent[] = [];
  return {
    events,
    section: (title, text) => void events.push({ kind: "section", title, text }),
    grant: (who, what) => void events.push({ kind: "grant", who, what }),
    did: (who, what) => void events.push({ kind: "did", who, what }),
    denied: (who, what, denial) => void events.push({ kind: "denied", who, what, denial }),
    note: (text) => void events.push({ kind: "note", text }),
    progress: (_label, work) => work(),
  };
};

/** Returns `{ code, message }` of whatever was thrown (a CellError has a code). */
export const toDenial = (error: unknown): Denial => {
  const e = error as { code?: unknown; message?: unknown } | null;
  return {
    code: typeof e?.code === "string" ? e.code : "ERROR",
    message: typeof e?.message === "string" ? e.message : String(error),
  };
};

// Closes invariant 2: C0/C1 controls (ESC, BEL, CSI, ...) except newline and tab.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Removes terminal control characters from text that came from a cell. */
export const plainText = (text: string): string => text.replace(CONTROLS, "");

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const visible = (text: string): number => text.replace(ANSI, "").length;

/**
 * Wraps `text` on spaces so no line is wider than `width` visible columns
 * (colour sequences take none); continuation lines start with `hang`. A
 * word longer than a line is left whole (the terminal wraps it).
 */
export const wrapWords = (text: string, width: number, hang: string): string =>
  text
    .split("\n")
    .map((row) => {
      if (visible(row) <= width) return row;
      const lead = /^ */.exec(row)?.[0] ?? "";
      const out: string[] = [];
      let current = lead;
      for (const word of row.slice(lead.length).split(" ")) {
        const sep = current.trim() === "" ? "" : " ";
        if (current.trim() !== "" && visible(current) + 1 + visible(word) > width) {
          out.push(current);
          current = hang + word;
        } else current += sep + word;
      }
      out.push(current);
      return out.join("\n");
    })
    .join("\n");

/** The stream a terminal narrator writes to. */
export interface TourStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  /** The terminal's width: lines are wrapped on words to fit it (terminals only). */
  readonly columns?: number | undefined;
}

/** Options of {@link makeTerminalNarrator}. */
export interface TerminalNarratorOptions {
  /** Force colour on or off (default: on when the stream is a terminal and NO_COLOR is unset). */
  readonly colour?: boolean;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Makes a narrator that prints for a person.
 *
 * @example
 * ```ts
 * const narrator = makeTerminalNarrator(process.stdout);
 * narrator.denied("snoop", "read ~/.ssh/id_ed25519", { code: "FS_OUTSIDE_ROOT", message: "..." });
 * ```
 */
export const makeTerminalNarrator = (
  stream: TourStream,
  options: TerminalNarratorOptions = {},
): Narrator => {
  const tty = stream.isTTY === true;
  const colour = options.colour ?? (tty && process.env.NO_COLOR === undefined);
  const paint =
    (code: string) =>
    (text: string): string =>
      colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  const bold = paint("1");
  const dim = paint("2");
  const green = paint("32");
  const red = paint("31");
  const cyan = paint("36");
  const yellow = paint("33");
  // A terminal wraps long lines mid-word at its edge: wrap on words to its width instead.
  const width = tty && typeof stream.columns === "number" ? stream.columns - 1 : undefined;
  const line = (text: string) =>
    void stream.write(`${width === undefined ? text : wrapWords(text, width, "         ")}\n`);
  const indent = (text: string) => plainText(text).split("\n").join("\n      ");

  return {
    section(title, text) {
      line("");
      line(bold(cyan(`━━ ${title} `.padEnd(72, "━"))));
      line(dim(text));
    },
    grant: (who, what) => line(`  ${yellow("grant ")} ${bold(who)} ← ${indent(what)}`),
    did: (who, what) => line(`  ${green("ok    ")} ${bold(who)}: ${indent(what)}`),
    denied(who, what, denial) {
      line(`  ${red("denied")} ${bold(who)}: ${indent(what)}`);
      const text = denial.message.startsWith(denial.code)
        ? denial.message
        : `${denial.code}: ${denial.message}`;
      line(`         ${dim(indent(text))}`);
    },
    note: (text) => line(`  ${dim("·")}      ${indent(text)}`),
    async progress(label, work) {
      const started = Date.now();
      const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (!(tty && colour)) {
        line(`  …      ${label}`);
        const result = await work();
        line(`         ${dim(`(${seconds()})`)}`);
        return result;
      }
      let frame = 0;
      const draw = () =>
        stream.write(
          `\r\u001b[2K  ${cyan(SPINNER[frame++ % SPINNER.length] ?? "")}      ${label} ${dim(seconds())}`,
        );
      draw();
      const timer = setInterval(draw, 80);
      try {
        return await work();
      } finally {
        clearInterval(timer);
        stream.write(`\r\u001b[2K  ${dim("✓")}      ${label} ${dim(`(${seconds()})`)}\n`);
      }
    },
  };
};
