// First: lock the realm down before any Endo library loads (see host-lockdown.ts).
import "./host-lockdown.js";
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
export { createHost } from "./create-host.js";
export type { Host, HostOptions } from "./create-host.js";
export type { Cell, CellLimits, CellOptions, CellOutput, Isolation } from "./cell-types.js";
export type { Grant, GrantContext, GrantFactory } from "./cell-grant.js";
export { nestedCells } from "./nested-cells.js";
export type { CellsCap, NestedCellsOptions, SubCell } from "./nested-cells.js";
export { makeChannel } from "./channel.js";
export type { Channel, ChannelEnd } from "./channel.js";
export { makeFileAuditSink, makeMemoryAuditSink } from "./audit-sink.js";
export type {
  CellAuditRecord,
  CellAuditSink,
  FileAuditSink,
  MemoryAuditSink,
} from "./audit-sink.js";
export { hostErrorCodes } from "./host-error-codes.js";
export type { HostErrorCode } from "./host-error-codes.js";
export { makeModuleLoader } from "./module-loader.js";
export type { ModuleLoader, ModuleLoaderOptions } from "./module-loader.js";
export { moduleErrorCodes } from "./module-error-codes.js";
export type { ModuleErrorCode, ModuleErrorCodeDoc } from "./module-error-codes.js";
export { readPolicyFile, pluginPolicy } from "./policy-file.js";
export type { PolicyDocument, PluginPolicy, PluginPolicyInput } from "./policy-file.js";
export { readManifest, pluginFolder } from "./manifest-file.js";
export type { FoundManifest, PluginManifest } from "./manifest-file.js";
export { grantSet, intersectGrants, unionGrants, emptyGrants } from "./policy-grant-set.js";
export type { GrantSet, GrantSetInput, Intersection, NotGiven } from "./policy-grant-set.js";
export { checkAgainstSchema } from "./policy-schema-check.js";
export type { SchemaKind } from "./policy-schema-check.js";
export { makePolicyGrants } from "./policy-caps.js";
export type { PolicyGrantsOptions } from "./policy-caps.js";
export { makeAccessAuditFile } from "./policy-access-audit.js";
export type {
  AccessAuditFile,
  AccessRecord,
  AccessSink,
  AccessUse,
} from "./policy-access-audit.js";
export { generatePolicy } from "./policy-generate.js";
export type { GeneratedPolicy } from "./policy-generate.js";
export { policyErrorCodes } from "./policy-error-codes.js";
export type { PolicyErrorCode } from "./policy-error-codes.js";
export { cliExitCodes } from "./cli-exit-codes.js";
export type { CliExitCode } from "./cli-exit-codes.js";
export { runCli } from "./cli-main.js";
export type { CliIo } from "./cli-run.js";
export type { WalledCell } from "./walled-cell.js";
