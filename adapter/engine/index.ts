/** The engine driver's public surface, for the CLI and the debug adapter. */
export { CkptError } from './ckptError';
export { Coordinator } from './coordinator';
export { DEFAULT_CKPT_SIGNAL, engineSignalOf, parseEngineSignal } from './engineSignal';
export type { CheckpointOptions, CoordinatorOptions, ReplaceOptions, RestartOptions, RunningProgram, SpawnOptions } from './coordinator';
export { ctlCheckpoint, ctlInfo, ctlKill, ctlRequest, ctlRestore, ctlStatus } from './ctlClient';
export type { CtlCheckpointOptions, CtlRestoreOptions } from './ctlClient';
export type { CtlInfo, CtlRequest, CtlRestored } from './ctlProtocol';
export type { EngineHello } from './engineConnection';
export type { ExitStatus } from './exitStatus';
export type { ImageMemoryRegion, InspectedImage } from './imageInspector';
export type { Manifest, ManifestProcess } from './manifest';
export { liveTablesFromProc } from './liveTables';
export { nativePaths, nativePathsUnchecked, requireNativeFile } from './nativePaths';
export type { NativePaths } from './nativePaths';
export { SnapshotStore } from './snapshotStore';
export type { SnapshotInspection, SnapshotStoreOptions } from './snapshotStore';
export * from './tables';
