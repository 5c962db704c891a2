/**
 * The guided tour behind `pnpm demo`: runs the five examples in turn and
 * shows, for each, what every plugin was granted, what it did, and what it
 * was refused and why; then a summary.
 *
 * Invariants:
 * 1. It needs only Node.js and the installed workspace (`pnpm install`): no
 *    network beyond servers it starts on 127.0.0.1, no global tools.
 * 2. Colour only on a terminal (see tour-output.ts); plain text when piped.
 * 3. An example that fails is reported and the tour goes on; `runTour`
 *    reports which failed.
 *
 * It does not keep any file it creates: every example works in temporary
 * folders and removes them.
 */
import { createHost } from "@padded-cell/host";
import { runAppCapabilities } from "./app-capabilities.js";
import { runChatBots } from "./chat-bots.js";
import { runNestedPlugins } from "./nested-plugins.js";
import { runScriptRunner } from "./script-runner.js";
import { runStaticSite } from "./static-site.js";
import {
  makeTerminalNarrator,
  plainText,
  type Narrator,
  type TourEvent,
  type TourStream,
} from "./tour-output.js";

/** How one example of the tour went. */
export interface TourStep {
  readonly title: string;
  readonly ok: boolean;
  readonly grant: number;
  readonly did: number;
  readonly denied: number;
  readonly ms: number;
  readonly error?: string;
}

/** Counts events on their way to another narrator. */
const counting = (inner: Narrator, count: (kind: TourEvent["kind"]) => void): Narrator => ({
  section: (title, text) => (count("section"), inner.section(title, text)),
  grant: (who, what) => (count("grant"), inner.grant(who, what)),
  did: (who, what) => (count("did"), inner.did(who, what)),
  denied: (who, what, denial) => (count("denied"), inner.denied(who, what, denial)),
  note: (text) => inner.note(text),
  progress: (label, work) => inner.progress(label, work),
});

/**
 * Runs the tour, writing to `stream`; resolves to one step per example.
 *
 * @example
 * ```ts
 * const steps = await runTour(process.stdout);
 * process.exitCode = steps.every((s) => s.ok) ? 0 : 1;
 * ```
 */
export async function runTour(stream: TourStream): Promise<readonly TourStep[]> {
  const narrator = makeTerminalNarrator(stream);
  const colour = stream.isTTY === true && process.env.NO_COLOR === undefined;
  const bold = (text: string) => (colour ? `\u001b[1m${text}\u001b[0m` : text);
  stream.write(
    `${bold("Padded Cell — a guided tour")}\n` +
      "Untrusted code runs in cells. A cell starts with nothing; every power it has is a\n" +
      "capability object the host granted, and every one of them can be revoked.\n",
  );
  const host = await narrator.progress("creating the host (the realm is locked down by SES)", () =>
    createHost(),
  );
  const examples: [string, (n: Narrator) => Promise<unknown>][] = [
    ["Static-site builder", (n) => runStaticSite({ host, narrator: n })],
    ["Chat-bot host", (n) => runChatBots({ host, narrator: n })],
    ["Untrusted-script runner", (n) => runScriptRunner({ host, narrator: n })],
    ["Nested cells", (n) => runNestedPlugins({ host, narrator: n })],
    ["Capabilities inside an app", (n) => runAppCapabilities({ narrator: n })],
  ];
  const steps: TourStep[] = [];
  for (const [title, run] of examples) {
    const counts = { grant: 0, did: 0, denied: 0 };
    const started = Date.now();
    const n = counting(narrator, (kind) => {
      if (kind === "grant" || kind === "did" || kind === "denied") counts[kind] += 1;
    });
    try {
      await run(n);
      steps.push({ title, ok: true, ...counts, ms: Date.now() - started });
    } catch (error) {
      const message = plainText(error instanceof Error ? error.message : String(error));
      narrator.note(`this example failed: ${message}`);
      steps.push({ title, ok: false, ...counts, ms: Date.now() - started, error: message });
    }
  }
  await host.close("tour over");

  stream.write(`\n${bold("Summary")}\n`);
  for (const s of steps) {
    const mark = s.ok
      ? colour
        ? "\u001b[32m✓\u001b[0m"
        : "✓"
      : colour
        ? "\u001b[31m✗\u001b[0m"
        : "✗";
    stream.write(
      `  ${mark} ${s.title.padEnd(28)} ${String(s.grant).padStart(2)} grants, ${String(s.did).padStart(2)} allowed, ${String(s.denied).padStart(2)} denied  (${(s.ms / 1000).toFixed(1)} s)\n`,
    );
  }
  const failed = steps.filter((s) => !s.ok).length;
  stream.write(
    failed === 0
      ? "\nEvery plugin did its job with what it was granted, and nothing more.\n" +
          "Next: docs/getting-started.md builds a plugin host of your own in 20 lines.\n"
      : `\n${failed} example(s) failed; see the messages above.\n`,
  );
  return steps;
}
