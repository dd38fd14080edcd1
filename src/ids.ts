/**
 * Every id the extension shares with package.json: commands, views, context keys and the
 * debug type. One place, checked against package.json by test/ext/ids.test.ts.
 * The adapter's names are re-typed from adapter/protocol.ts with `import type`: the
 * literal types make the compiler reject any spelling that differs from the contract.
 */
import type * as protocol from '../adapter/protocol';

export const DEBUG_TYPE: typeof protocol.DEBUG_TYPE = 'ckpt';

/** The reason of the stop that follows a jump in time (its description names the snapshot). */
export const RESTORED_STOP_REASON: typeof protocol.RESTORED_STOP_REASON = 'restore';

export const Requests: typeof protocol.Requests = {
  saveSnapshot: 'ckpt/saveSnapshot',
  listSnapshots: 'ckpt/listSnapshots',
  restoreSnapshot: 'ckpt/restoreSnapshot',
  deleteSnapshot: 'ckpt/deleteSnapshot',
  renameSnapshot: 'ckpt/renameSnapshot',
  resources: 'ckpt/resources',
};

/** Requests the extension's copy of Requests leaves out (adapter/protocol.ts says why). */
export const ViewRequests: typeof protocol.ViewRequests = {
  inspectSnapshot: 'ckpt/inspectSnapshot',
  diffSnapshots: 'ckpt/diffSnapshots',
};

export const TravelRequests: typeof protocol.TravelRequests = {
  findLastChange: 'ckpt/findLastChange',
  findFirst: 'ckpt/findFirst',
};

export const Events: typeof protocol.Events = {
  snapshotsChanged: 'ckpt/snapshotsChanged',
  resourcesChanged: 'ckpt/resourcesChanged',
};

export const Commands = {
  saveSnapshot: 'ckpt.saveSnapshot',
  restoreSnapshot: 'ckpt.restoreSnapshot',
  deleteSnapshot: 'ckpt.deleteSnapshot',
  inspectSnapshot: 'ckpt.inspectSnapshot',
  compareSnapshot: 'ckpt.compareSnapshot',
  renameSnapshot: 'ckpt.renameSnapshot',
  showLiveResources: 'ckpt.showLiveResources',
  refreshViews: 'ckpt.refreshViews',
  pickComputation: 'ckpt.pickComputation',
  findLastChange: 'ckpt.findLastChange',
} as const;

export const Views = {
  timeline: 'ckpt.timeline',
  snapshots: 'ckpt.snapshots',
  resources: 'ckpt.resources',
} as const;

export const ContextKeys = {
  /** True while at least one `ckpt` debug session exists: shows the views. */
  sessionActive: 'ckpt.sessionActive',
  /** True while the Resources view shows a snapshot rather than the live program. */
  inspectingSnapshot: 'ckpt.inspectingSnapshot',
} as const;

/** The `contextValue` of snapshot rows; menus in package.json match on these. */
export const SnapshotContext = {
  snapshot: 'snapshot',
  restored: 'snapshot.restored',
} as const;
