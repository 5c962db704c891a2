/**
 * Text a plugin chose (messages, paths, names), made safe to print on a
 * terminal: every control character (C0, DEL, C1) and every bidirectional
 * embedding, override, isolate and mark becomes a visible `\uXXXX`, so the
 * plugin can neither draw lines of padded-cell's own (a question, an
 * answer, "plugin succeeded") nor reorder what is shown (class: terminal
 * spoofing).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SPOOFING = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Escapes `text` for a terminal.
 *
 * @example
 * ```ts
 * terminalSafe("boom\npadded-cell: ok"); // "boom\\u000apadded-cell: ok"
 * ```
 */
export const terminalSafe = (text: string): string =>
  text.replace(SPOOFING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
