import { formatCount, formatGap, formatMean } from './format.js';
import type { GapRow, GapView } from './gap-view.js';

/** Dimension, gap, then mean and n for each tier. */
const COLUMN_COUNT = 6;

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLTableCellElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

/**
 * Fills `table` with the same numbers as the chart, so they can be read without it: one row
 * group per priority (its title as the group's header), one row per whole-organization cell.
 * A suppressed cell says so instead of showing numbers.
 */
export function renderGapTable(table: HTMLTableElement, view: GapView, captionText: string): void {
  table.replaceChildren();

  const caption = document.createElement('caption');
  caption.textContent = captionText;
  table.append(caption);

  table.append(...columnGroups());
  renderHead(table.createTHead());

  for (const priority of view.priorities) {
    const body = table.createTBody();
    const group = cell('th', priority.title);
    group.scope = 'rowgroup';
    group.colSpan = COLUMN_COUNT;
    const groupRow = body.insertRow();
    groupRow.className = 'group';
    groupRow.append(group);
    for (const row of view.rows) {
      if (row.priorityId === priority.id) body.append(renderRow(row, view.minGroupSize));
    }
  }
}

// Column groups let each tier's heading (scope="colgroup") cover its mean and n.
function columnGroups(): HTMLTableColElement[] {
  return [1, 1, 2, 2].map((span) => {
    const group = document.createElement('colgroup');
    group.span = span;
    return group;
  });
}

// Two header rows, so each tier's heading spans its mean and n and the table fits a phone;
// the gap comes first, so it stays in view when a narrow screen scrolls the rest.
function renderHead(head: HTMLTableSectionElement): void {
  const header = (text: string, scope: string, className?: string): HTMLTableCellElement => {
    const th = cell('th', text, className);
    th.scope = scope;
    return th;
  };
  const dimension = header('Dimension', 'col');
  dimension.rowSpan = 2;
  const leadership = header('Leadership', 'colgroup', 'tier');
  leadership.colSpan = 2;
  const frontline = header('Frontline', 'colgroup', 'tier');
  frontline.colSpan = 2;
  const gap = header('Gap', 'col', 'num');
  gap.rowSpan = 2;
  head.insertRow().append(dimension, gap, leadership, frontline);
  head
    .insertRow()
    .append(
      header('Mean', 'col', 'num'),
      header('n', 'col', 'num'),
      header('Mean', 'col', 'num'),
      header('n', 'col', 'num'),
    );
}

function renderRow(row: GapRow, minGroupSize: number): HTMLTableRowElement {
  const tr = document.createElement('tr');
  const dimension = cell('th', row.dimension);
  dimension.scope = 'row';
  tr.append(dimension);
  if (row.suppressed) {
    tr.className = 'suppressed';
    const note = cell('td', `Suppressed to protect anonymity (k = ${minGroupSize})`);
    note.colSpan = COLUMN_COUNT - 1;
    tr.append(note);
    return tr;
  }
  tr.append(
    cell('td', formatGap(row.gap), gapClass(row.gap)),
    cell('td', formatMean(row.leadership?.mean), 'num'),
    cell('td', formatCount(row.leadership?.n), 'num'),
    cell('td', formatMean(row.frontline?.mean), 'num'),
    cell('td', formatCount(row.frontline?.n), 'num'),
  );
  return tr;
}

function gapClass(gap: number | null): string {
  // A point or more of optimism on a 5-point scale is worth a conversation.
  return gap !== null && gap >= 1 ? 'num gap-wide' : 'num';
}
