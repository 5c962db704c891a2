/**
 * A cell in the host's own thread: SES Compartments whose globals hold
 * only frozen intrinsics, `caps` and facades, behind one membrane.
 *
 * Invariants:
 * 1. Default deny: the cell starts with nothing but the frozen language;
 *    everything else is a grant, passed through the cell's membrane.
 * 2. Nothing the cell returns, throws or exports reaches host code raw:
 *    results of `evaluate`, `import` and `run` cross the membrane.
 * 3. Revocation is total: the membrane (all grants, facades and everything
 *    reached through them) is revoked, every grant's resources are closed,
 *    and every sub-cell is revoked, before `revoke` resolves.
 *
 * It does not protect availability: a cell in the host's thread can loop
 * forever or exhaust memory. Use a worker or process cell for that.
 */
import { makeResourceScope, makeStdio, type StdioCap } from "@padded-cell/caps";
import { CellError, RevokedError } from "@padded-cell/membrane";
import { makeCellGrants } from "./cell-grants.js";
import { addGlobalAliases } from "./cell-global-object.js";
import { freezeEndowments, makeCellEndowments, type GrantedCap } from "./cell-globals.js";
import type { Cell, CellHandle, CellHostContext, CellOptions, CellOutput } from "./cell-types.js";
import { makeModuleLoader, type ModuleLoader } from "../module/module-loader.js";
import { withRunHint } from "../module/module-run-hint.js";
import { readShimSources } from "../module/builtin-shims.js";

const NAME = /^[\w.@/-][\w .@/-]{0,99}$/;

const badOptions = (message: string): CellError => new CellError("CELL_BAD_OPTIONS", message);

/** Checks a cell's name and grants. @internal */
export const checkCellOptions = (options: CellOptions): void => {
  if (typeof options !== "object" || options === null)
    throw badOptions("createCell takes an options object.");
  if (typeof options.name !== "string" || !NAME.test(options.name)) {
    throw badOptions(
      "A cell's name must be 1 to 100 characters: letters, digits, spaces and . _ - @ / (not starting with a space).",
    );
  }
  const grants = options.grants ?? {};
  if (typeof grants !== "object" || grants === null)
    throw badOptions("`grants` must be a record of capabilities.");
  for (const [name, grant] of Object.entries(grants)) {
    if (!NAME.test(name))
      throw badOptions(`Grant name ${JSON.stringify(name).slice(0, 60)} is not a valid name.`);
    if ((typeof grant !== "object" || grant === null) && typeof grant !== "function") {
      throw badOptions(`Grant "${name}" must be a capability object or a grant factory.`);
    }
  }
  if (options.root !== undefined && typeof options.root !== "string")
    throw badOptions("`root` must be a path.");
  if (
    options.ambient !== undefined &&
    options.ambient !== "deterministic" &&
    options.ambient !== "deny"
  )
    throw badOptions('`ambient` must be "deterministic" or "deny".');
};

/** Makes a compartment cell. @internal */
export const makeCompartmentCell = async (
  options: CellOptions,
  host: CellHostContext,
): Promise<CellHandle> => {
  checkCellOptions(options);
  const { name } = options;
  const grants = makeCellGrants(options, host);
  const { membrane, granted, scopes } = grants;

  const stdioScope = makeResourceScope(`console of cell "${name}"`);
  scopes.set("\0console", stdioScope);
  const stdioPair = makeStdio({
    scope: stdioScope,
    ...(options.limits?.maxOutputBytes === undefined
      ? {}
      : { limitBytes: options.limits.maxOutputBytes }),
    ...(options.connectOutput === undefined ? {} : { connect: options.connectOutput as never }),
  });
  const stdio: GrantedCap = {
    cap: stdioPair.cap,
    caretaker: membrane.revocable(stdioPair.cap as StdioCap, { name: `console of cell "${name}"` }),
  };
  const endowments = makeCellEndowments(membrane, granted, stdio, grants.ambient);
  const compartment = new Compartment({
    globals: endowments.globals,
    __options__: true,
    name,
  } as never);
  addGlobalAliases(compartment as unknown as Parameters<typeof addGlobalAliases>[0]);
  let loader: ModuleLoader | undefined;
  let revokedReason: string | undefined;

  const assertLive = (): void => {
    if (revokedReason !== undefined) throw new RevokedError(`cell "${name}"`, revokedReason);
  };
  // Invariant 2: whatever comes out of the cell crosses the membrane.
  const fromCell = async <T>(produce: () => unknown): Promise<T> => {
    assertLive();
    let value: unknown;
    try {
      value = produce();
    } catch (error) {
      throw membrane.thrownToHost(error);
    }
    return (await membrane.toHost(value)) as T;
  };
  const moduleLoader = (): ModuleLoader => {
    if (options.root === undefined) {
      throw new CellError(
        "CELL_NO_ROOT",
        `Cell "${name}" has no plugin folder: pass \`root\` to createCell to import modules.`,
      );
    }
    if (loader === undefined) freezeEndowments(endowments);
    loader ??= makeModuleLoader({
      root: options.root,
      ...(options.imports === undefined ? {} : { allow: options.imports }),
      builtins: endowments.builtins,
      globals: endowments.globals,
      shims: readShimSources(),
    });
    return loader;
  };

  const cell: Cell = harden({
    name,
    isolation: "compartment" as const,
    evaluate: (source: string) => fromCell<unknown>(() => compartment.evaluate(String(source))),
    async import(specifier: string) {
      assertLive();
      const namespace = await moduleLoader().importModule(specifier);
      return membrane.toHost(namespace);
    },
    async run(specifier: string) {
      const namespace = await withRunHint(specifier, () => cell.import(specifier));
      const main = namespace.main;
      if (typeof main !== "function") return undefined;
      return await (main as (caps: unknown) => unknown)(membrane.toHost(endowments.caps));
    },
    output(): CellOutput {
      const { stdout, stderr } = stdioPair.host.read();
      return { stdout, stderr };
    },
    revokeGrant: (grantName: string, reason = "grant revoked") =>
      grants.revokeGrant(grantName, reason),
    async revoke(reason: string) {
      if (revokedReason !== undefined) return;
      revokedReason = String(reason);
      await grants.revokeAll(revokedReason);
    },
    get revoked() {
      return revokedReason !== undefined;
    },
  });
  return grants.setCell(cell);
};
