/**
 * Rewrites the advice at the end of a plugin's denial into a fix the user
 * of `padded-cell run` can apply: a flag of this command, or the plugin's
 * manifest when the flag was already given.
 *
 * Invariants:
 * 1. Never "run again with --allow-X=V" when the flags (and policy) already
 *    allow V: then the plugin's manifest narrowed the grant, and the advice
 *    names the manifest file and its "wants" instead.
 * 2. `MODULE_DENIED` for a package names `--allow-import=<package>`, the
 *    flag that grants it, not the host API's imports allow list.
 * 3. The text is only rewritten, never extended with anything but the
 *    flag's own value taken from the message (already bounded and escaped
 *    by the caller).
 *
 * It does not decide whether something is allowed; the capabilities did.
 */
import { grantSet, intersectGrants, type GrantSet } from "@padded-cell/host";

/** What the run was given, to tell a missing flag from a manifest's narrowing. */
export interface HintContext {
  /** The union of the flags and the policy entry. */
  readonly flags: GrantSet;
  /** What the cell got (flags ∩ manifest wants). */
  readonly given: GrantSet;
  /** The manifest file, relative to the working directory, if any. */
  readonly manifest: string | undefined;
  /** The working directory (paths in the flags are relative to it). */
  readonly cwd: string;
}

const RUN_AGAIN = /Run again with --allow-(read|write|net|env|run)=(\S+?)\.?$/;
const IMPORT_DENIED = /^Denied: import of "([^"]+)"\. Add '.*$/;

const wantOf = (kind: string, value: string): Parameters<typeof grantSet>[0] => {
  switch (kind) {
    case "read":
      return { fs: { read: [value] } };
    case "write":
      return { fs: { write: [value] } };
    case "net":
      return { net: [value] };
    case "env":
      return { env: [value] };
    default:
      return { run: [value] };
  }
};

const covered = (set: GrantSet, kind: string, value: string, cwd: string): boolean => {
  try {
    return intersectGrants(grantSet(wantOf(kind, value), cwd), set).notGiven.length === 0;
  } catch {
    return false; // an entry we cannot parse: keep the original advice
  }
};

const packageOf = (specifier: string): string => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
};

/**
 * The denial message with its advice in the terms of the command line.
 *
 * @example
 * ```ts
 * cliDenialMessage("MODULE_DENIED", `Denied: import of "yaml". Add 'yaml' ...`, context);
 * // 'Denied: import of "yaml". Run again with --allow-import=yaml.'
 * ```
 */
export function cliDenialMessage(code: string, message: string, context: HintContext): string {
  const imported = code === "MODULE_DENIED" ? IMPORT_DENIED.exec(message) : null;
  if (imported !== null) {
    // Invariant 2.
    const name = packageOf(imported[1] as string);
    return `Denied: import of ${JSON.stringify(imported[1])}. Run again with --allow-import=${name} (the package and its subpaths), or --allow-import for every dependency in the plugin's package.json.`;
  }
  const advice = RUN_AGAIN.exec(message);
  if (advice === null) return message;
  const [, kind, value] = advice as unknown as [string, string, string];
  if (
    !covered(context.flags, kind, value, context.cwd) ||
    covered(context.given, kind, value, context.cwd)
  )
    return message;
  // Invariant 1.
  const where =
    context.manifest === undefined
      ? "its manifest"
      : `its manifest ${JSON.stringify(context.manifest)}`;
  return `${message.slice(0, advice.index)}The flags allow it (--allow-${kind}=${value}), but the plugin does not want it: add it to the "wants" of ${where}.`;
}
