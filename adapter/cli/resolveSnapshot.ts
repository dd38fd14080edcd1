import { CkptError } from '../engine/ckptError';
import type { SnapshotStore } from '../engine/snapshotStore';

/** A snapshot argument: an id, or `last` for the newest. */
export function resolveSnapshotId(store: SnapshotStore, arg: string): string {
  if (arg === 'last' || arg === 'latest') {
    const all = store.list();
    if (all.length === 0) throw new CkptError(`there are no snapshots in ${store.dir}`);
    return all[all.length - 1].id;
  }
  return store.get(arg).id;
}
