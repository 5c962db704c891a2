/**
 * Turns a resolved grant set (flags, policy, manifest intersection) into
 * the grants of a cell: `fs`, `net`, `http`, `env`, `run`, plus the
 * authority-free `clock`, `random` and `timers`.
 *
 * `fs`, `net`, `http`, `env` and `run` are always present, granting only
 * what the set allows, so that a use of anything else fails with a denial
 * that names the flag to grant it, instead of a TypeError.
 *
 * Invariants:
 * 1. Nothing beyond the grant set is reachable: each grant is a capability
 *    from @padded-cell/caps built from the set's entries only.
 * 2. Deny wins over allow, for every kind: deny paths in `fs`, deny entries
 *    in the network capabilities, denied names in `env` and `run`.
 * 3. `run` runs only the programs named, found on the host's PATH when the
 *    cell is made, with an empty environment and the working directory.
 * 4. Every call of `fs`, `net`, `http`, `env` and `run` can be recorded as
 *    an access record (names only; see `policy-access-audit.ts`).
 * 5. With `ask`, a file access (policy-fs-cap.ts, invariant 5) or a network
 *    peer (`net.connect`, `http.fetch`; policy-net-ask.ts) that no grant
 *    covers is asked about before it is refused; a yes is served by a
 *    capability built for exactly that path or `host:port`, with every deny
 *    entry. Environment, program and import denials are not asked about.
 *
 * It does not load policies or parse flags.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import {
  makeClockCap,
  makeEnvCap,
  makeHttpCap,
  makeRandomCap,
  makeSubprocessCap,
  makeTcpCap,
  makeTimers,
  type SubprocessCap,
} from "@padded-cell/caps";
import { CellError, hardenExport, isCellError } from "@padded-cell/membrane";
import type { Grant } from "../cell/cell-types.js";
import {
  isConcreteNetName,
  makeAccessRecorder,
  type AccessSink,
  type AccessUse,
} from "./policy-access-audit.js";
import { makePolicyDirCap } from "./policy-fs-cap.js";
import type { AccessAsk } from "./policy-ask.js";
import { makeNetAsker } from "./policy-net-ask.js";
import { flagValue, type GrantSet } from "./policy-grant-set.js";

/** Options of {@link makePolicyGrants}. */
export interface PolicyGrantsOptions {
  /** The cell's name (for access records). */
  readonly cell: string;
  /** The working directory: the cell's `/`. */
  readonly cwd: string;
  /** What the cell may use. */
  readonly allow: GrantSet;
  /** What it is refused (deny wins). */
  readonly deny: GrantSet;
  /** Environment to take granted variables from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives an access record per call. */
  readonly sink?: AccessSink;
  /**
   * Whether to record now (default: always). The host builds same-name
   * facades (`process.env`) from the grants while it makes the cell; those
   * calls are the host's, not the plugin's, so the CLI records only once
   * the cell exists.
   */
  readonly recording?: () => boolean;
  /** Time limit of one program run by `run` (default 30 s). */
  readonly runTimeoutMs?: number;
  /** Output kept per stream of a program run by `run` (default 1 MiB). */
  readonly runMaxOutputBytes?: number;
  /**
   * Asked before a file access or a network peer no grant covers is refused
   * (the CLI's prompt on a terminal); see invariant 5.
   */
  readonly ask?: AccessAsk;
}

const HTTP_METHODS = hardenExport(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const IP_OR_LOCAL = /^(localhost|\[[0-9a-f:.]+\]|[0-9]{1,3}(\.[0-9]{1,3}){3})$/i;
const URLCtor = URL;

/** Fetch-able URL prefixes (and addresses) for the exact `host:port` entries. */
const httpAllow = (
  net: readonly string[],
): { allow: string[]; addresses: string[]; exact: string[] } => {
  const allow: string[] = [];
  const addresses: string[] = [];
  const exact: string[] = [];
  for (const entry of net) {
    const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):([0-9]{1,5})$/i.exec(entry);
    if (match === null) continue; // wildcards, ranges, CIDR: TCP only (see the guide)
    const host = (match[1] as string).toLowerCase();
    const port = Number(match[2]);
    exact.push(`${host}:${port}`);
    if (port === 443) allow.push(`https://${host}/`);
    else if (port === 80) allow.push(`http://${host}/`);
    else allow.push(`http://${host}:${port}/`, `https://${host}:${port}/`);
    if (IP_OR_LOCAL.test(host)) addresses.push(entry);
  }
  return { allow, addresses, exact };
};

/**
 * Finds a program on `PATH` (an executable regular file).
 *
 * @example
 * ```ts
 * findProgram("git"); // "/usr/bin/git", or undefined
 * ```
 */
export function findProgram(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (!/^[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}$/.test(name)) return undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === "" || !dir.startsWith("/")) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

const concrete = (name: string): AccessUse[] =>
  isConcreteNetName(name) ? [{ access: "connect", name }] : [];

const netName = (host: unknown, port: unknown): AccessUse[] =>
  typeof host === "string" && typeof port === "number"
    ? concrete(`${host.includes(":") ? `[${host.toLowerCase()}]` : host.toLowerCase()}:${port}`)
    : [];

const urlName = (url: unknown): AccessUse[] => {
  if (typeof url !== "string") return [];
  try {
    const u = new URLCtor(url);
    const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
    return concrete(`${u.hostname.toLowerCase()}:${port}`);
  } catch {
    return [];
  }
};

/**
 * Makes the grants of a cell from what it may use and what it is refused.
 *
 * @example
 * ```ts
 * const grants = makePolicyGrants({ cell: "md", cwd: process.cwd(), allow, deny });
 * const cell = await host.createCell({ name: "md", grants, root: pluginDir });
 * ```
 */
export function makePolicyGrants(options: PolicyGrantsOptions): Record<string, Grant> {
  const { allow, deny, cwd, cell, sink } = options;
  const recording = options.recording ?? (() => true);
  const gated: AccessSink | undefined =
    sink === undefined ? undefined : (record) => (recording() ? sink(record) : undefined);
  const recorder = (grant: string) => makeAccessRecorder(cell, grant, gated);
  const source = options.env ?? process.env;

  // Invariant 3: resolve programs now, on the host's PATH.
  const programs = new Map<string, string>();
  for (const name of allow.run) {
    if (deny.run.includes(name)) continue;
    const found = findProgram(name);
    if (found === undefined) {
      throw new CellError("CLI_USAGE", `--allow-run=${name}: no program of that name on PATH.`);
    }
    programs.set(name, found);
  }

  const envDenied = (name: string): boolean => deny.env.includes("*") || deny.env.includes(name);
  const envNames = (allow.env.includes("*") ? Object.keys(source) : allow.env).filter(
    (n) => !envDenied(n),
  );
  const { allow: httpPrefixes, addresses, exact: exactNet } = httpAllow(allow.net);

  return {
    fs: ({ scope }) =>
      makePolicyDirCap(
        cwd,
        {
          read: allow.fs.read,
          write: allow.fs.write,
          denyRead: deny.fs.read,
          denyWrite: deny.fs.write,
        },
        {
          scope,
          record: recorder("fs"),
          ...(options.ask === undefined ? {} : { ask: options.ask }),
        },
      ),
    net: ({ scope }) => {
      const tcp = makeTcpCap({ allow: [...allow.net], deny: [...deny.net], scope });
      const record = recorder("net");
      const mayReach = options.ask === undefined ? undefined : makeNetAsker(options.ask, deny.net);
      return harden({
        connect: (host: string, port: number) =>
          record(
            "connect",
            [host, port],
            () => netName(host, port),
            async () => {
              try {
                return await tcp.connect(host, port);
              } catch (error) {
                // Invariant 5.
                const entry = netName(host, port)[0]?.name;
                if (mayReach === undefined || entry === undefined) throw error;
                if (!isCellError(error, "NET_DENIED") || !(await mayReach(entry, host, port)))
                  throw error;
                return makeTcpCap({ allow: [entry], deny: [...deny.net], scope }).connect(
                  host,
                  port,
                );
              }
            },
          ),
      });
    },
    http: ({ scope }) => {
      const http = makeHttpCap({
        allow: httpPrefixes,
        allowAddresses: addresses,
        deny: [...deny.net],
        methods: HTTP_METHODS,
        scope,
      });
      const record = recorder("http");
      const exact = new Set(exactNet);
      const mayReach = options.ask === undefined ? undefined : makeNetAsker(options.ask, deny.net);
      /** Invariant 5: a capability for exactly the peer a prompt allowed. */
      const httpFor = (entry: string) => {
        const one = httpAllow([entry]);
        return makeHttpCap({
          allow: one.allow,
          allowAddresses: one.addresses,
          deny: [...deny.net],
          methods: HTTP_METHODS,
          scope,
        });
      };
      return harden({
        fetch: (url: string, init?: Parameters<typeof http.fetch>[1]) =>
          record(
            "fetch",
            [url, init],
            () => urlName(url),
            async () => {
              const named = urlName(url)[0]?.name;
              // Only exact host:port entries reach fetch: say which flag grants this one.
              if (named !== undefined && !exact.has(named)) {
                const split = named.lastIndexOf(":");
                const host = named.slice(0, split).replace(/^\[(.*)\]$/, "$1");
                if (
                  mayReach !== undefined &&
                  (await mayReach(named, host, Number(named.slice(split + 1))))
                ) {
                  return httpFor(named).fetch(url, init);
                }
                throw new CellError(
                  "HTTP_DENIED",
                  `Denied: fetch from ${named.slice(0, 300)} (not granted). Run again with --allow-net=${named.slice(0, 300)}.`,
                );
              }
              return http.fetch(url, init);
            },
          ),
      });
    },
    env: () => {
      const env = makeEnvCap(source, { allow: envNames });
      const record = recorder("env");
      const check = (name: unknown): void => {
        // Invariant 2: a denied name is refused with its own reason.
        if (typeof name === "string" && envDenied(name)) {
          throw new CellError(
            "POLICY_RULE_DENIED",
            `Denied: read of environment variable ${JSON.stringify(name.slice(0, 128))}: it is denied by --deny-env, and deny wins over allow.`,
          );
        }
      };
      const use = (name: unknown): AccessUse[] =>
        typeof name === "string" ? [{ access: "env", name }] : [];
      return harden({
        get: (name: string) =>
          record(
            "get",
            [name],
            () => use(name),
            () => {
              check(name);
              return env.get(name);
            },
          ),
        has: (name: string) => {
          const present = env.has(name);
          // Only a granted name is a use worth recording (an ungranted one reads as absent).
          return present
            ? record(
                "has",
                [name],
                () => use(name),
                () => present,
              )
            : present;
        },
        keys: () =>
          record(
            "keys",
            [],
            () => env.keys().map((n) => ({ access: "env" as const, name: n })),
            () => env.keys(),
          ),
        toObject: () =>
          record(
            "toObject",
            [],
            () => env.keys().map((n) => ({ access: "env" as const, name: n })),
            () => env.toObject(),
          ),
      });
    },
    run: ({ scope }) => {
      const caps = new Map<string, SubprocessCap>();
      for (const [name, executable] of programs) {
        caps.set(
          name,
          makeSubprocessCap({
            name,
            executable,
            args: () => true,
            env: {},
            cwd,
            timeoutMs: options.runTimeoutMs ?? 30_000,
            maxOutputBytes: options.runMaxOutputBytes ?? 1024 * 1024,
            scope,
          }),
        );
      }
      const record = recorder("run");
      return harden({
        exec: (program: string, args: readonly string[]) =>
          record(
            "exec",
            [program, args],
            () => (typeof program === "string" ? [{ access: "run" as const, name: program }] : []),
            async () => {
              if (typeof program !== "string") {
                throw new CellError(
                  "POLICY_RUN_DENIED",
                  "Denied: run needs a program name (a string).",
                );
              }
              const shown = JSON.stringify(program.slice(0, 128));
              if (deny.run.includes(program)) {
                throw new CellError(
                  "POLICY_RULE_DENIED",
                  `Denied: run ${shown}: it is denied by --deny-run=${flagValue(program.slice(0, 128))}, and deny wins over allow.`,
                );
              }
              const cap = caps.get(program);
              if (cap === undefined) {
                throw new CellError(
                  "POLICY_RUN_DENIED",
                  `Denied: run ${shown} (not granted). Run again with --allow-run=${flagValue(program.slice(0, 128))}.`,
                );
              }
              return cap.run(args);
            },
          ),
      });
    },
    clock: () => makeClockCap(),
    random: () => makeRandomCap(),
    timers: ({ scope }) => makeTimers({ scope }).cap,
  };
}
