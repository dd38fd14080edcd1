/**
 * The snapshots of one debug session in the order the program passed them,
 * and where the program is on that line: what Step Back and Reverse Continue
 * go back to. Going back and then forward again starts a new branch; the
 * snapshots of the old one stay on disk but leave the history.
 */
export interface HistoryEntry {
  id: string;
  /** Why it was taken: the stop's reason ('breakpoint', 'step', ...), 'manual' or 'timer'. */
  reason: string;
}

export class SnapshotHistory {
  private entries: HistoryEntry[] = [];
  /** Index of the last entry at or before the program's state (-1: none). */
  private cursor = -1;
  /** Whether the program is exactly at entries[cursor] (not moved since). */
  private atCursor = false;

  get length(): number { return this.entries.length; }
  list(): readonly HistoryEntry[] { return this.entries; }

  /** The moment of each entry: snapshots saved without the program moving between them share one. */
  private moments = new WeakMap<HistoryEntry, number>();
  private nextMoment = 0;

  /** A snapshot of the program's current state was taken. */
  record(entry: HistoryEntry): void {
    const same = this.atCursor && this.cursor >= 0 ? this.moments.get(this.entries[this.cursor]) : undefined;
    this.moments.set(entry, same ?? this.nextMoment++);
    this.entries = this.entries.slice(0, this.cursor + 1);
    this.entries.push(entry);
    this.cursor = this.entries.length - 1;
    this.atCursor = true;
  }

  /** The program ran on from where it was. */
  moved(): void {
    this.atCursor = false;
  }

  /** A snapshot was deleted: it leaves the history. */
  forget(id: string): void {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return;
    this.entries.splice(i, 1);
    if (i < this.cursor || (i === this.cursor && !this.atCursor)) this.cursor--;
    else if (i === this.cursor) {
      this.cursor--;
      this.atCursor = false;
    }
  }

  /** The entry Step Back goes to: the last one before the program's state. */
  stepBackTarget(): HistoryEntry | undefined {
    const i = this.lastBefore();
    return i >= 0 ? this.entries[i] : undefined;
  }

  /** The last entry before the program's state: at the cursor, one of an earlier moment than it. */
  private lastBefore(): number {
    if (!this.atCursor) return this.cursor;
    const now = this.moments.get(this.entries[this.cursor]);
    let i = this.cursor - 1;
    while (i >= 0 && this.moments.get(this.entries[i]) === now) i--;
    return i;
  }

  /** The entry Reverse Continue goes to: the last earlier breakpoint stop, else the first entry. */
  reverseContinueTarget(): HistoryEntry | undefined {
    const last = this.lastBefore();
    for (let i = last; i >= 0; i--) {
      if (this.entries[i].reason === 'breakpoint') return this.entries[i];
    }
    return last >= 0 ? this.entries[0] : undefined;
  }

  /** The program was restored to `id` (which must be in the history to move the cursor). */
  restoredTo(id: string): void {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) {
      this.atCursor = false;
      return;
    }
    this.cursor = i;
    this.atCursor = true;
  }
}
