/**
 * Whether this machine can run jails, and if not, what is missing and how
 * to enable it. Checked once per host process, by starting a real jail (a
 * Node that exits at once), so the answer is what the kernel and the tools
 * actually allow, not a guess from version numbers.
 *
 * It does not start cells; it only answers.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { makeJailCommand } from "./jail-command.js";

/** The answer: supported, or what is missing and how to enable it. */
export type JailSupport =
  { readonly ok: true } | { readonly ok: false; readonly missing: string; readonly enable: string };

let cached: JailSupport | undefined;
const HOST_PACKAGE = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Starts a jail running `node` that exits at once, and says what stopped it
 * if it did not (not cached; {@link jailSupport} is the cached answer for the
 * host's own Node).
 *
 * @example
 * ```ts
 * const support = checkJailSupport(process.execPath);
 * ```
 */
export const checkJailSupport = (node: string): JailSupport => {
  if (process.platform !== "linux") {
    return {
      ok: false,
      missing: `Linux namespaces (this is ${process.platform})`,
      enable: 'run the host on Linux, or use isolation "process"',
    };
  }
  const { command, args } = makeJailCommand({
    node,
    nodeArgs: ["-e", "process.exit(0)"],
    // The host package itself (src/ or dist/ is two folders below it): a jail
    // must be able to bind it, so a private install folder is found here.
    readOnly: [HOST_PACKAGE],
  });
  const r = spawnSync(command, args, { env: {}, encoding: "utf8", timeout: 20_000 });
  if (r.status === 0) return { ok: true };
  const err = r.error as (Error & { code?: string; path?: string }) | undefined;
  if (err?.code === "ENOENT") {
    return {
      ok: false,
      missing: "the prlimit command (util-linux)",
      enable: "install util-linux (Debian: apt-get install util-linux)",
    };
  }
  const said = `${r.stderr ?? ""}`;
  if (/setpriv: .*(not found|No such file)/.test(said)) {
    return {
      ok: false,
      missing: "the setpriv command (util-linux)",
      enable: "install util-linux (Debian: apt-get install util-linux)",
    };
  }
  if (/bwrap: .*(not found|No such file)|failed to execute bwrap/.test(said)) {
    return {
      ok: false,
      missing: "bubblewrap (the bwrap command)",
      enable: "install bubblewrap (Debian: apt-get install bubblewrap)",
    };
  }
  if (/Permission denied|Can't find source path/.test(said)) {
    return {
      ok: false,
      missing:
        "read access for the jail's own user to the Node.js runtime or the host package (a folder on their path is private)",
      enable:
        "make the folders that hold Node.js and the installed packages readable by all users (e.g. chmod 755), or install them in a shared location",
    };
  }
  return {
    ok: false,
    missing: "unprivileged user namespaces",
    enable:
      "allow them (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; in a container, run it with user namespaces allowed)",
  };
};

/**
 * Whether jails work here (cached after the first call).
 *
 * @example
 * ```ts
 * const support = jailSupport();
 * if (!support.ok) console.log(`no jail: ${support.missing}; ${support.enable}`);
 * ```
 */
export const jailSupport = (): JailSupport =>
  (cached ??= harden(checkJailSupport(process.execPath)));
