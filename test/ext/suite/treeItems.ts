/**
 * Which rows of the extension's tree views are which. The suite runs against the
 * extension's bundle, whose classes are not the ones this suite would import from
 * out/src, so rows are told apart by their shape rather than with `instanceof`.
 */
import type * as vscode from 'vscode';
import type { ResourceItem } from '../../../src/resourcesView';
import type { SnapshotItem } from '../../../src/snapshotsView';

export function isSnapshotItem(item: vscode.TreeItem): item is SnapshotItem {
  return typeof (item as Partial<SnapshotItem>).snapshot?.id === 'string';
}

export function isResourceItem(item: vscode.TreeItem): item is ResourceItem {
  return typeof (item as Partial<ResourceItem>).row?.key === 'string';
}
