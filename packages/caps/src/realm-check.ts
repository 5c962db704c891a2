/**
 * Capabilities are hardened objects, so this package needs a realm that SES
 * locked down. Checked when the package is imported: with neither `harden`
 * (locked down) nor `lockdown` (SES loaded, to be locked down before the
 * first capability is made) on the global object, the import fails with
 * `CAPS_NOT_LOCKED_DOWN` naming what to import first, instead of the first
 * capability failing with "harden is not defined".
 *
 * It does not lock the realm down: which options a realm gets is the host
 * application's decision (`@padded-cell/host` makes it when imported).
 */
import { CellError } from "@padded-cell/membrane";

const realm = globalThis as { harden?: unknown; lockdown?: unknown };
if (typeof realm.harden !== "function" && typeof realm.lockdown !== "function") {
  throw new CellError(
    "CAPS_NOT_LOCKED_DOWN",
    '@padded-cell/caps needs a realm locked down by SES: import "@padded-cell/host" before it (it locks the realm down as it loads), or import "ses" and call lockdown() before making capabilities.',
  );
}
