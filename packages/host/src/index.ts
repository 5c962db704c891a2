export { startWall, bootWall } from "./wall-start.js";
export type { StartWallOptions, WallKind } from "./wall-start.js";
export { makeWallPool } from "./wall-pool.js";
export type { WallPool, WallPoolOptions, AcquireWallOptions } from "./wall-pool.js";
export type {
  Wall,
  BootedWall,
  WallLimits,
  WallOutputHandler,
  WallCellOptions,
} from "./wall-supervisor.js";
export { makeCellFate } from "./wall-fate.js";
export type { CellFate, CellFateKind } from "./wall-fate.js";
export { wallErrorCodes } from "./wall-error-codes.js";
export type { WallErrorCode, WallErrorCodeDoc } from "./wall-error-codes.js";
