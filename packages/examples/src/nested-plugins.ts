/**
 * Example 4: nested cells. A gallery plugin holds the whole album
 * (`public/` and `private/`) and the `cells` capability; it starts a
 * thumbnailer sub-plugin and hands it a narrower right, a read-only view of
 * `public/`. The thumbnailer's attempts to escalate fail, and so does the
 * gallery's own attempt to grant a right by description. When the host
 * revokes the gallery's grant, the view it delegated dies with it.
 *
 * Invariants shown (and tested in test/nested-plugins.test.ts):
 * 1. A sub-cell receives only capabilities its parent holds, or narrower
 *    views of them; a request by description fails with CELL_ESCALATION.
 * 2. Attenuation only narrows: `sub("..")` and writes through a read-only
 *    view fail.
 * 3. Revoking a parent's grant revokes what it delegated (REVOKED).
 *
 * It does not use walls; see the script-runner example for those.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap } from "@padded-cell/caps";
import { nestedCells, type Host } from "@padded-cell/host";
import { copyData } from "./cell-data.js";
import { preparePluginFolder } from "./plugin-folder.js";
import type { Narrator } from "./tour-output.js";

/** One thing the thumbnailer tried. */
export interface SubAttempt {
  readonly what: string;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly code?: string;
  readonly message?: string;
}

/** What the nested-plugins example did. */
export interface NestedPluginsResult {
  /** The thumbnailer's attempts with its read-only view of public/. */
  readonly attempts: readonly SubAttempt[];
  /** The gallery's attempt to grant `"/private"` by description. */
  readonly byDescription: {
    readonly ok: boolean;
    readonly code?: string;
    readonly message?: string;
  };
  /** The thumbnailer's attempts after the host revoked the gallery's `fs`. */
  readonly afterRevoke: readonly SubAttempt[];
}

/** Options of {@link runNestedPlugins}. */
export interface NestedPluginsOptions {
  readonly host: Host;
  readonly narrator: Narrator;
}

const report = (narrator: Narrator, who: string, attempts: readonly SubAttempt[]) => {
  for (const a of attempts) {
    if (a.ok) narrator.did(who, `${a.what}: ${JSON.stringify(a.value)}`);
    else narrator.denied(who, a.what, { code: a.code ?? "ERROR", message: a.message ?? "" });
  }
};

/**
 * Runs the nested-plugins example.
 *
 * @example
 * ```ts
 * const result = await runNestedPlugins({ host: await createHost(), narrator: makeRecordingNarrator() });
 * result.byDescription.code; // "CELL_ESCALATION"
 * ```
 */
export async function runNestedPlugins(
  options: NestedPluginsOptions,
): Promise<NestedPluginsResult> {
  const { host, narrator } = options;
  narrator.section(
    "4. Nested cells",
    "A gallery plugin delegates a narrower capability (read-only public/) to a thumbnailer sub-plugin of its own.",
  );
  const base = await mkdtemp(join(tmpdir(), "padded-cell-album-"));
  const folder = await preparePluginFolder("gallery");
  await mkdir(join(base, "public"));
  await mkdir(join(base, "private"));
  await writeFile(join(base, "public", "cat.txt"), "a picture of a cat");
  await writeFile(join(base, "public", "dog.txt"), "a picture of a dog");
  await writeFile(join(base, "private", "diary.txt"), "dear diary");
  try {
    narrator.grant("gallery", "fs: the whole album (public/ and private/), read-write");
    narrator.grant("gallery", "cells: may create up to 2 sub-cells");
    const gallery = await host.createCell({
      name: "gallery",
      root: folder.root,
      grants: {
        fs: ({ scope }) => makeDirCap(base, { scope }),
        cells: nestedCells({ max: 2 }),
      },
    });
    narrator.grant("thumbnailer", 'photos: caps.fs.sub("/public").readOnly(), from the gallery');
    const first = copyData(
      (await gallery.run("./index.js")) as Pick<NestedPluginsResult, "attempts" | "byDescription">,
    );
    report(narrator, "thumbnailer", first.attempts);
    if (first.byDescription.ok)
      narrator.did("gallery", "granted /private by description (it should not have!)");
    else
      narrator.denied("gallery", 'grant a sub-cell { fs: "/private" } by description', {
        code: first.byDescription.code ?? "ERROR",
        message: first.byDescription.message ?? "",
      });

    narrator.note('the host revokes the gallery\'s fs grant: gallery.revokeGrant("fs")');
    await gallery.revokeGrant("fs", "album unshared");
    const namespace = await gallery.import("./index.js");
    const afterRevoke = copyData(await (namespace.thumbnailAgain as () => Promise<SubAttempt[]>)());
    report(narrator, "thumbnailer", afterRevoke.slice(0, 2));
    await gallery.revoke("example done");
    return harden({ attempts: first.attempts, byDescription: first.byDescription, afterRevoke });
  } finally {
    await folder.dispose();
    await rm(base, { recursive: true, force: true });
  }
}
