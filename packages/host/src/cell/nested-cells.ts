/**
 * The `cells` capability: lets a cell create sub-cells and give them part of
 * what it holds.
 *
 * Invariants:
 * 1. Never more: a sub-cell's grants are values the parent passes through
 *    its own membrane, so each is a capability the parent holds (or a view
 *    of one, or the parent's own code). Anything else (a path, a host name,
 *    a grant name: a request for rights by description) is refused with
 *    CELL_ESCALATION.
 * 2. A sub-cell is revoked with its parent, and counts against `max`.
 */
import { CellError } from "@padded-cell/membrane";
import type { GrantContext, GrantFactory } from "./cell-types.js";
import type { Cell } from "./cell-types.js";

/** Options of {@link nestedCells}. */
export interface NestedCellsOptions {
  /** Most sub-cells alive at once (default 16). */
  readonly max?: number;
}

/** What a cell holding the `cells` grant sees of one of its sub-cells. */
export interface SubCell {
  /** Evaluates a script in the sub-cell. */
  evaluate(source: string): Promise<unknown>;
  /** What the sub-cell printed. */
  output(): Promise<{ stdout: string; stderr: string }>;
  /** Revokes the sub-cell. */
  revoke(reason: string): Promise<void>;
}

/** The `cells` capability. */
export interface CellsCap {
  /** Creates a sub-cell with (a subset of) this cell's capabilities. */
  create(options: { name: string; grants?: Record<string, object> }): Promise<SubCell>;
}

const isCapability = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

/**
 * A grant factory for the `cells` capability.
 *
 * @example
 * ```ts
 * const cell = await host.createCell({
 *   name: "plugin",
 *   grants: { fs: ({ scope }) => makeDirCap("/srv/data", { scope }), cells: nestedCells({ max: 4 }) },
 * });
 * await cell.evaluate(`caps.cells.create({ name: "sub", grants: { fs: caps.fs.sub("/public").readOnly() } })`);
 * ```
 */
export function nestedCells(options: NestedCellsOptions = {}): GrantFactory {
  const max = options.max ?? 16;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new CellError("CELL_BAD_OPTIONS", "nestedCells({ max }) takes a whole number.");
  }
  return (context: GrantContext): CellsCap => {
    let alive = 0;
    return harden({
      async create(request: { name: string; grants?: Record<string, object> }) {
        const name = String(request?.name);
        const grants: Record<string, () => object> = {};
        for (const [grantName, value] of Object.entries(request?.grants ?? {})) {
          if (!isCapability(value)) {
            throw new CellError(
              "CELL_ESCALATION",
              `Sub-cell "${name}" cannot be granted "${grantName}" by description: a cell can only pass on capabilities it holds (for example caps.fs.sub("/data").readOnly()).`,
            );
          }
          // Wrapped in a factory of the host's own, so that a function the
          // cell passes is a capability, never run as a grant factory with
          // the host's context (closes "a cell's function receives createCell").
          grants[grantName] = () => value;
        }
        if (alive >= max) {
          throw new CellError(
            "CELL_ESCALATION",
            `Cell "${context.cell}" may have at most ${max} sub-cells alive.`,
          );
        }
        alive += 1;
        const child: Cell = await context.createCell({ name: `${context.cell}/${name}`, grants });
        let ended = false;
        const end = () => {
          if (!ended) alive -= 1;
          ended = true;
        };
        return harden({
          evaluate: (source: string) => child.evaluate(source),
          output: async () => child.output(),
          async revoke(reason: string) {
            end();
            await child.revoke(String(reason));
          },
        });
      },
    });
  };
}
