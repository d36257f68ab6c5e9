/*
 * The roster file as the import preview shows it, read in the browser before anything is sent:
 * its rows with the line each starts on, counted as the API counts them (the header is line 1,
 * a quoted field may span lines), so the API's errors `{line, field}` land beside their row.
 * The API alone decides what is valid; this only reads the file for people to check by eye.
 */

/** The columns of a roster file (PRODUCT.md §7), as the preview shows them. */
export const ROSTER_COLUMNS = ['email', 'name', 'team', 'parent_team', 'tier'] as const;
export type RosterColumn = (typeof ROSTER_COLUMNS)[number];

export interface PreviewRow {
  /** The physical line of the file the row starts on. */
  line: number;
  values: Record<RosterColumn, string>;
}

export interface RosterPreview {
  rows: PreviewRow[];
  /** Header columns the file lacks, of the four required. */
  missingColumns: RosterColumn[];
  /** Header columns the preview does not know (the API names them as errors). */
  unknownColumns: string[];
}

interface Record_ {
  line: number;
  fields: string[];
}

/** Splits CSV text into records of fields (RFC 4180 quoting), each with its starting line. */
export function readCsvRecords(text: string): Record_[] {
  const records: Record_[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let blank = true;
  const source = text.replace(/^\uFEFF/, '');
  const endRecord = (): void => {
    fields.push(field);
    if (!(blank && fields.length === 1 && field.trim() === '')) {
      records.push({ line: start, fields: fields.map((f) => f.trim()) });
    }
    fields = [];
    field = '';
    blank = true;
  };
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] ?? '';
    if (quoted) {
      if (char === '"') {
        if (source[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
      continue;
    }
    if (char === '"') {
      quoted = true;
      blank = false;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      blank = false;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      start = line;
    } else {
      field += char;
      if (char.trim() !== '') blank = false;
    }
  }
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/** The rows of a roster file under its header, for the preview table. */
export function previewRoster(text: string): RosterPreview {
  const [header, ...records] = readCsvRecords(text);
  if (header === undefined) {
    return { rows: [], missingColumns: ['email', 'name', 'team', 'tier'], unknownColumns: [] };
  }
  const names = header.fields.map((name) => name.toLowerCase());
  const known = new Set<string>(ROSTER_COLUMNS);
  const rows = records.map((record): PreviewRow => {
    const values = { email: '', name: '', team: '', parent_team: '', tier: '' };
    names.forEach((name, index) => {
      if (known.has(name)) values[name as RosterColumn] = record.fields[index] ?? '';
    });
    return { line: record.line, values };
  });
  return {
    rows,
    missingColumns: (['email', 'name', 'team', 'tier'] as const).filter((c) => !names.includes(c)),
    unknownColumns: header.fields.filter((name) => !known.has(name.toLowerCase())),
  };
}
