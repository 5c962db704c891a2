/**
 * The text of `padded-cell --help`: every command and flag, with examples,
 * and the exit codes.
 *
 * Invariants:
 * 1. Every flag `cli-args.ts` accepts is documented here, and the exit codes
 *    printed are those of `cliExitCodes` (a test checks both).
 *
 * It does not parse anything.
 */
import { cliExitCodes } from "./cli-exit-codes.js";

/**
 * The help text.
 *
 * @example
 * ```ts
 * process.stdout.write(helpText());
 * ```
 */
export function helpText(): string {
  const c = cliExitCodes;
  return `padded-cell: run an untrusted plugin with only the capabilities you grant.

Usage:
  padded-cell run <entry> [flags]
  padded-cell policy generate --audit <file.jsonl> [--name <plugin>]
  padded-cell policy check <policy.json>
  padded-cell doctor
  padded-cell --help | --version

run <entry>
  Loads <entry> (an ES module or CommonJS file, or a plugin folder whose
  manifest names its "entry") as a plugin in a cell. The plugin folder is
  the nearest folder with a package.json, from the entry's own up to the
  working directory (else the entry's folder, and .js files are ES
  modules: a single file needs no package.json). If the module
  exports main, padded-cell calls await main(caps) and prints a returned
  value other than undefined as JSON on stdout. The cell's console goes to
  stdout and stderr.

  caps.fs is one directory whose / is the working directory; the cell sees
  only the paths granted below it (./docs is /docs in the cell). caps.net
  (connect), caps.http (fetch; also the fetch global), caps.env (also
  process.env), caps.run (exec), caps.clock, caps.random and timers are
  always present; what they reach is only what the flags grant.

  Grants (a bare flag means "all"; values are comma-separated; repeatable):
    --allow-read[=paths]      read files and list directories under paths
                              (inside the working directory; bare: all of it)
    --allow-write[=paths]     create, change and delete under paths (implies read)
    --allow-net[=host:port]   connect to host:port; also fetch http(s) URLs on
                              exact host:port entries. Forms: api.example.com:443,
                              *.example.com:443, host:8000-8100, 127.0.0.1:8080,
                              [::1]:8080; a host alone (example.com) is every
                              port of it, and fetch on 80 and 443
                              (bare: every public address)
    --allow-env[=NAMES]       read these environment variables (bare: all)
    --allow-run=program       run a program found on PATH, with any arguments,
                              an empty environment, in the working directory
    --allow-import[=pkgs]     import these packages and their subpaths (from the
                              plugin's node_modules; bare: every dependency in
                              its package.json)
    --allow-all, -A           read, write, net, env and every dependency, for
                              code you trust (not run: name the programs)
  Denials (deny wins over allow, from flags or a policy):
    --deny-read[=paths]  --deny-write[=paths]  --deny-net[=host:port]
    --deny-env[=NAMES]   --deny-run=program
  Policy and audit:
    --policy <file>           also grant what the policy file allows this plugin
                              (by its manifest name, or its folder's name)
    --audit[=file]            write one JSON line per capability call, with the
                              paths, host:port, variable and program names used
                              (default file: padded-cell.audit.jsonl; truncated first)
  Isolation and limits:
    --isolation=compartment|worker|process|jail
                              where the cell runs (default compartment; process
                              when --memory, --cpu or --timeout is given, which
                              a compartment cannot enforce and refuses)
    --memory=64mb             heap limit, and as much off the heap (process or jail)
    --cpu=2s                  CPU time limit (worker, process or jail)
    --timeout=5s              wall-clock limit for the whole run
    --max-output=1mb          console output kept per stream; more is dropped
  Output and prompts:
    --verbose                 on a failure, also print the plugin's stack
    --no-prompt               never ask: on a terminal, a file read or write,
                              or a network peer, that no grant covers is
                              otherwise asked about
                              (y once, a always for this run, s always and
                              save to the --policy file, n deny); never asked
                              when stdin or stderr is not a terminal

  jail is a process inside Linux namespaces and kernel limits (needs
  bubblewrap; padded-cell doctor says whether this machine can run one).

doctor
  Says which isolation levels this machine supports, and for a level it
  cannot run, what is missing and how to enable it.

  If the plugin has a manifest (padded-cell.json, or "paddedCell" in its
  package.json), it gets only the part of the grants that it wants, and
  padded-cell lists on stderr what it wanted but was not given.

policy generate --audit <file.jsonl> [--name <plugin>]
  Prints (as JSON) the smallest policy that allows every call recorded in an
  audit written by run --audit: exactly the paths, host:port entries,
  variables and programs used. Denied calls are left out. --name puts every
  record under one plugin name.

policy check <policy.json>
  Validates a policy file and prints the first error precisely.

Examples:
  padded-cell run ./plugins/md/index.js --allow-read=./docs --allow-write=./out
  padded-cell run plugin.js --allow-read --deny-read=./secrets
  padded-cell run plugin.js --allow-net=api.example.com:443 --allow-env=LANG,TZ
  padded-cell run plugin.js --isolation=process --memory=64mb --cpu=2s --timeout=5s
  padded-cell run plugin.js --policy ./padded-cell.policy.json --audit=run.jsonl
  padded-cell run plugin.js --allow-read --audit=run.jsonl
  padded-cell policy generate --audit run.jsonl --name md > policy.json

Exit codes:
  ${c.OK}  ok: the plugin finished
  ${c.CRASHED}  crash: the plugin threw, never settled, or its worker or process died
  ${c.USAGE}  bad usage: unknown flag, bad value, invalid policy or manifest
  ${c.DENIED}  denied: the plugin used something not granted (the message names
     what, and the flag that grants it)
  ${c.LIMIT}  limit exceeded: --timeout, --memory, --cpu or --max-output
`;
}
