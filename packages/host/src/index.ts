// First: lock the realm down before any Endo library loads (see host-lockdown.ts).
import "./host-lockdown.js";
export { startWall, bootWall } from "./wall/wall-start.js";
export type { StartWallOptions, WallKind } from "./wall/wall-start.js";
export type { AmbientGrants } from "./cell/cell-ambient.js";
export { makeWallPool } from "./wall/wall-pool.js";
export type { WallPool, WallPoolOptions, AcquireWallOptions } from "./wall/wall-pool.js";
export type {
  Wall,
  BootedWall,
  WallLimits,
  WallOutputHandler,
  WallCellOptions,
} from "./wall/wall-supervisor.js";
export { makeCellFate } from "./wall/wall-fate.js";
export type { CellFate, CellFateKind } from "./wall/wall-fate.js";
export { wallErrorCodes } from "./wall/wall-error-codes.js";
export type { WallErrorCode, WallErrorCodeDoc } from "./wall/wall-error-codes.js";
export { createHost } from "./create-host.js";
export type { Host, HostOptions, HostPoolOptions } from "./create-host.js";
export type { Cell, CellLimits, CellOptions, CellOutput, Isolation } from "./cell/cell-types.js";
export type { Grant, GrantContext, GrantFactory } from "./cell/cell-types.js";
export { nestedCells } from "./cell/nested-cells.js";
export type { CellsCap, NestedCellsOptions, SubCell } from "./cell/nested-cells.js";
export { makeChannel } from "./cell/channel.js";
export type { Channel, ChannelEnd } from "./cell/channel.js";
export { makeFileAuditSink, makeMemoryAuditSink } from "./audit/audit-sink.js";
export type {
  CellAuditRecord,
  CellAuditSink,
  FileAuditSink,
  MemoryAuditSink,
} from "./audit/audit-sink.js";
export { hostErrorCodes } from "./host-error-codes.js";
export type { HostErrorCode } from "./host-error-codes.js";
export { makeModuleLoader } from "./module/module-loader.js";
export { readShimSources } from "./module/builtin-shims.js";
export type { ShimFile, ShimSources } from "./module/builtin-shims.js";
export type { ModuleLoader, ModuleLoaderOptions } from "./module/module-loader.js";
export type { PackedSnapshot } from "./module/module-snapshot.js";
export { moduleErrorCodes } from "./module/module-error-codes.js";
export type { ModuleErrorCode, ModuleErrorCodeDoc } from "./module/module-error-codes.js";
export { readPolicyFile, pluginPolicy } from "./policy/policy-file.js";
export type { PolicyDocument, PluginPolicy, PluginPolicyInput } from "./policy/policy-file.js";
export { readManifest, pluginFolder } from "./policy/manifest-file.js";
export type { FoundManifest, PluginManifest } from "./policy/manifest-file.js";
export { grantSet, intersectGrants, unionGrants, emptyGrants } from "./policy/policy-grant-set.js";
export type { GrantSet, GrantSetInput, Intersection, NotGiven } from "./policy/policy-grant-set.js";
export { checkAgainstSchema } from "./policy/policy-schema-check.js";
export type { SchemaKind } from "./policy/policy-schema-check.js";
export { makePolicyGrants } from "./policy/policy-caps.js";
export type { PolicyGrantsOptions } from "./policy/policy-caps.js";
export type { AccessAnswer, AccessAsk, AccessRequest } from "./policy/policy-ask.js";
export { makeAccessAuditFile } from "./policy/policy-access-audit.js";
export type {
  AccessAuditFile,
  AccessRecord,
  AccessSink,
  AccessUse,
} from "./policy/policy-access-audit.js";
export { generatePolicy } from "./policy/policy-generate.js";
export type { GeneratedPolicy } from "./policy/policy-generate.js";
export { parseDuration, parseSize } from "./policy/policy-units.js";
export { policyErrorCodes } from "./policy/policy-error-codes.js";
export type { PolicyErrorCode } from "./policy/policy-error-codes.js";
export type { WalledCell } from "./wall/walled-cell.js";
export { jailSupport } from "./wall/jail/jail-support.js";
export type { JailSupport } from "./wall/jail/jail-support.js";
