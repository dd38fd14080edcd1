/** Renders rows as columns aligned on the widest cell; numbers are right-aligned. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return (
    cells
      .map((r) =>
        r
          .map((cell, c) => {
            const last = c === r.length - 1;
            if (numeric[c]) return cell.padStart(widths[c]);
            return last ? cell : cell.padEnd(widths[c]);
          })
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
