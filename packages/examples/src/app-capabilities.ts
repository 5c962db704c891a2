/**
 * Example 5: capabilities inside an app, with no untrusted code at all. The
 * app's inventory service can read and change stock; its reporting module
 * needs only to read. So the app hands the reporting module a view that is
 * read-only (only `list` and `get`), audited (every call recorded) and
 * revocable (one switch turns it off), plus a read-only membrane view of the
 * app's settings. The audit log then shows exactly what the module did.
 *
 * Invariants shown (and tested in test/app-capabilities.test.ts):
 * 1. The view has only the methods it was given: `setStock` is not there.
 * 2. Writes through a read-only membrane view fail with MEMBRANE_READ_ONLY
 *    and leave the original untouched.
 * 3. Every call through the view is recorded, allowed or denied; after
 *    `revoke`, calls fail with REVOKED and are recorded as denied.
 *
 * It does not sandbox anything: the reporting module is trusted code that
 * simply holds less authority (least privilege within one program).
 */
import { allowMethods, audited, revocable, type AuditRecord } from "@padded-cell/caps";
import { makeMembrane, readOnly } from "@padded-cell/membrane";
import type { Narrator } from "./tour-output.js";
import { toDenial, type Denial } from "./tour-output.js";

/** One product in stock. */
export interface Item {
  readonly sku: string;
  readonly name: string;
  readonly stock: number;
}

/** The app's inventory service (full authority). */
export interface Inventory {
  list(): Promise<readonly Item[]>;
  get(sku: string): Promise<Item | undefined>;
  setStock(sku: string, stock: number): Promise<void>;
}

/** What the reporting module may use. */
export type InventoryReader = Pick<Inventory, "list" | "get">;

/**
 * Makes the app's inventory service.
 *
 * @example
 * ```ts
 * const inventory = makeInventory([{ sku: "A1", name: "anvil", stock: 3 }]);
 * await inventory.setStock("A1", 2);
 * ```
 */
export const makeInventory = (items: readonly Item[]): Inventory => {
  const stock = new Map(items.map((item) => [item.sku, harden({ ...item })]));
  return harden({
    list: async () => harden([...stock.values()]),
    get: async (sku: string) => stock.get(sku),
    async setStock(sku: string, count: number) {
      const item = stock.get(sku);
      if (item !== undefined) stock.set(sku, harden({ ...item, stock: count }));
    },
  });
};

/** The app's settings, shared read-only with the reporting module. */
export interface ReportSettings {
  lowStockBelow: number;
}

/** What the reporting module found, and what it tried that it may not do. */
export interface StockReport {
  readonly low: readonly string[];
  readonly canChangeStock: boolean;
  readonly settingsWrite: Denial;
}

/**
 * The reporting module: trusted code of the app that holds only a reader.
 *
 * @example
 * ```ts
 * const report = await makeStockReport(reader, settingsView);
 * report.low; // ["B2"]
 * ```
 */
export const makeStockReport = async (
  inventory: InventoryReader,
  settings: ReportSettings,
): Promise<StockReport> => {
  const items = await inventory.list();
  const low = items.filter((item) => item.stock < settings.lowStockBelow).map((item) => item.sku);
  await inventory.get(low[0] ?? "none");
  // A careless line in this module: "fix" the threshold for everyone.
  let settingsWrite: Denial = { code: "NONE", message: "the write worked" };
  try {
    settings.lowStockBelow = 0;
  } catch (error) {
    settingsWrite = toDenial(error);
  }
  return harden({ low, canChangeStock: "setStock" in inventory, settingsWrite });
};

/** What the app-capabilities example did. */
export interface AppCapabilitiesResult {
  readonly report: StockReport;
  /** The threshold after the module tried to change it. */
  readonly lowStockBelow: number;
  /** Calling the reader after it was revoked. */
  readonly afterRevoke: Denial;
  /** The audit log. */
  readonly audit: readonly AuditRecord[];
}

/**
 * Runs the app-capabilities example.
 *
 * @example
 * ```ts
 * const { audit } = await runAppCapabilities({ narrator: makeRecordingNarrator() });
 * audit.map((r) => `${r.method}: ${r.outcome}`); // ["list: allowed", "get: allowed", "list: denied"]
 * ```
 */
export async function runAppCapabilities(options: {
  readonly narrator: Narrator;
}): Promise<AppCapabilitiesResult> {
  const { narrator } = options;
  narrator.section(
    "5. Capabilities inside an app",
    "No untrusted code: the app's reporting module gets a revocable, read-only, audited view of the inventory service.",
  );
  const inventory = makeInventory([
    { sku: "A1", name: "anvil", stock: 12 },
    { sku: "B2", name: "bucket", stock: 2 },
    { sku: "C3", name: "crate", stock: 0 },
  ]);
  const settings: ReportSettings = { lowStockBelow: 5 };

  const audit: AuditRecord[] = [];
  const switchOff = revocable(allowMethods(inventory, ["list", "get"], { name: "inventory" }), {
    name: "inventory",
  });
  const reader = audited(switchOff.cap, (record) => void audit.push(record), { name: "inventory" });
  const membrane = makeMembrane("reports");
  const settingsView = membrane.wrap(settings, readOnly()) as ReportSettings;
  narrator.grant("reports", "inventory: list() and get() only, audited, revocable");
  narrator.grant("reports", "settings: a read-only membrane view");

  const report = await makeStockReport(reader, settingsView);
  narrator.did("reports", `found low stock: ${report.low.join(", ")}`);
  narrator.note(
    `reports can change stock: ${report.canChangeStock ? "yes" : "no, setStock is not there"}`,
  );
  narrator.denied("reports", "set settings.lowStockBelow = 0", report.settingsWrite);

  switchOff.revoke("reporting disabled");
  membrane.revoke("reporting disabled");
  let afterRevoke: Denial = { code: "NONE", message: "the call worked" };
  try {
    await reader.list();
  } catch (error) {
    afterRevoke = toDenial(error);
  }
  narrator.denied("reports", "list() after the app revoked its view", afterRevoke);
  narrator.note("the audit log:");
  for (const r of audit) {
    narrator.note(
      `  ${r.capability}.${r.method}(${r.args.map((a) => a.type).join(", ")}) → ${r.outcome}${r.code ? ` ${r.code}` : ""}`,
    );
  }
  return harden({ report, lowStockBelow: settings.lowStockBelow, afterRevoke, audit: [...audit] });
}
