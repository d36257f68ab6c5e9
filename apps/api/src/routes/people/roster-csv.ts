/**
 * Reading a roster import: the `text/csv` body of `POST /people/import` and its JSON form
 * `{people: [...]}` both become the same `RosterRow[]`, through one validator, or a list of
 * row errors `{line, field, message}` so that nothing is applied when any row is wrong.
 */
import { CsvError, parse, type CsvErrorCode } from 'csv-parse/sync';
import { isTier, TIERS, type Tier } from '@pulsegap/domain';

/** The most people one import may hold. */
export const ROSTER_MAX_ROWS = 20_000;
/** The longest email address accepted (RFC 5321 path limit). */
export const EMAIL_MAX_LENGTH = 254;
/** The longest name of a person accepted, in characters. */
export const NAME_MAX_LENGTH = 200;
/** The longest team (or parent team) name accepted, in characters. */
export const TEAM_MAX_LENGTH = 100;

// A well-formed row is under 1,000 characters; a far longer one means a wrong delimiter or
// a runaway quote, and is refused before it is buffered any further.
const MAX_RECORD_SIZE = 10_000;

/** One person of a roster, validated and normalized. */
export interface RosterRow {
  /** Where the row came from: its first line in the CSV file, or its position in the JSON array. */
  readonly line: number;
  /** Trimmed and lower-cased. */
  readonly email: string;
  readonly name: string;
  readonly team: string;
  readonly tier: Tier;
  /**
   * The team's parent team (its department), or `null`. Every row of a team carries the
   * parent stated for that team on any row of the import.
   */
  readonly parentTeam: string | null;
}

/**
 * What is wrong with one row. `line` is the 1-based physical line of the CSV file where the
 * row starts (the header is line 1), or the 1-based position in the JSON `people` array;
 * `field` names the column (`parent_team` in CSV, `parentTeam` in JSON), or is `row` when
 * the row as a whole is malformed.
 */
export interface RosterError {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

/** Either every row of an import, valid, or every error found in it, in line order. */
export type RosterResult =
  | { readonly ok: true; readonly rows: RosterRow[] }
  | { readonly ok: false; readonly errors: RosterError[] };

type RosterField = 'email' | 'name' | 'team' | 'tier' | 'parentTeam';

/** How each field is called where the errors are reported. */
type FieldNames = Readonly<Record<RosterField, string>>;

const CSV_FIELDS: FieldNames = {
  email: 'email',
  name: 'name',
  team: 'team',
  tier: 'tier',
  parentTeam: 'parent_team',
};

const JSON_FIELDS: FieldNames = {
  email: 'email',
  name: 'name',
  team: 'team',
  tier: 'tier',
  parentTeam: 'parentTeam',
};

const REQUIRED_FIELDS = ['email', 'name', 'team', 'tier'] as const;

/** One row as given, before validation: values are whatever the source held. */
interface RosterEntry {
  readonly line: number;
  readonly values: Partial<Record<RosterField, unknown>>;
}

/**
 * Parses a roster CSV. The header is `email,name,team,tier` with an optional `parent_team`,
 * in any order and any letter case. A byte order mark, CRLF line ends, blank lines and
 * quoted fields holding commas or line breaks are all accepted; error lines count physical
 * lines of the file, so a row whose quoted field spans lines is reported where it starts.
 */
export function parseRosterCsv(text: string): RosterResult {
  const bytes = Buffer.from(text, 'utf8');
  // Byte offset just past each record read so far, the header included: where the next
  // record (or the one that failed to parse) begins.
  const ends: number[] = [];
  let records: string[][];
  let header: readonly string[] | undefined;
  try {
    records = parse(bytes, {
      bom: true,
      // The header is read as an ordinary record, so its end is known like any other's and
      // its column names are checked here, with errors that name the column.
      columns: false,
      relax_column_count: false,
      skip_empty_lines: true,
      trim: true,
      max_record_size: MAX_RECORD_SIZE,
      // Header plus one row over the limit is enough to report the limit.
      to: ROSTER_MAX_ROWS + 2,
      on_record: (record, context) => {
        header ??= record;
        ends.push(context.bytes);
        return record;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const lines = new LineLocator(bytes);
    const start = ends.at(-1) ?? 0;
    const headerErrors = header === undefined ? [] : readHeader(header, lines.recordLine(0)).errors;
    const syntaxError: RosterError = {
      line: lines.recordLine(start),
      field: 'row',
      message: syntaxMessage(error, header?.length),
    };
    return { ok: false, errors: [...headerErrors, syntaxError] };
  }

  const lines = new LineLocator(bytes);
  const headerLine = lines.recordLine(0);
  const [headerRecord, ...dataRecords] = records;
  const { columns, errors: headerErrors } = readHeader(headerRecord ?? [], headerLine);
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };

  if (dataRecords.length > ROSTER_MAX_ROWS) {
    const line = lines.recordLine(ends[ROSTER_MAX_ROWS] ?? 0);
    return { ok: false, errors: [tooManyRows(line)] };
  }

  const entries = dataRecords.map((record, index): RosterEntry => {
    const values: Partial<Record<RosterField, unknown>> = {};
    for (const [column, field] of columns.entries()) {
      if (field !== null) values[field] = record[column];
    }
    return { line: lines.recordLine(ends[index] ?? 0), values };
  });
  return validateRoster(entries, CSV_FIELDS);
}

/**
 * Validates the JSON form of a roster import, the `people` array of
 * `{people: [{email, name, team, tier, parentTeam?}]}`, with the same rules as
 * {@link parseRosterCsv}. An error's `line` is the 1-based position of the person in the
 * array; keys other than those five are errors.
 */
export function validateRosterRows(rows: readonly unknown[]): RosterResult {
  if (rows.length > ROSTER_MAX_ROWS) {
    return { ok: false, errors: [tooManyRows(ROSTER_MAX_ROWS + 1)] };
  }
  const shapeErrors: RosterError[] = [];
  const entries: RosterEntry[] = [];
  for (const [index, row] of rows.entries()) {
    const line = index + 1;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      shapeErrors.push({
        line,
        field: 'row',
        message: 'must be an object with email, name, team, tier and optionally parentTeam',
      });
      continue;
    }
    const values: Partial<Record<RosterField, unknown>> = {};
    for (const [key, value] of Object.entries(row)) {
      const field = jsonField(key);
      if (field === null) {
        shapeErrors.push({ line, field: key, message: 'unknown field' });
      } else {
        values[field] = value;
      }
    }
    entries.push({ line, values });
  }
  const result = validateRoster(entries, JSON_FIELDS);
  if (shapeErrors.length === 0) return result;
  const errors = result.ok ? shapeErrors : [...shapeErrors, ...result.errors];
  return { ok: false, errors: sortByLine(errors) };
}

function jsonField(key: string): RosterField | null {
  switch (key) {
    case 'email':
    case 'name':
    case 'team':
    case 'tier':
    case 'parentTeam':
      return key;
    default:
      return null;
  }
}

/**
 * The one validator of roster rows, whichever form they came in: each row's fields, then
 * what only the whole roster shows (duplicate emails, a team with two parents, a loop in
 * the team hierarchy).
 */
function validateRoster(entries: readonly RosterEntry[], names: FieldNames): RosterResult {
  const errors: RosterError[] = [];
  const valid: { line: number; row: RosterRow }[] = [];
  for (const entry of entries) {
    const checked = validateRow(entry, names);
    if (checked.row === null) errors.push(...checked.errors);
    else valid.push({ line: entry.line, row: checked.row });
  }
  errors.push(...duplicateEmails(valid, names), ...teamHierarchyErrors(valid, names));
  if (errors.length > 0) return { ok: false, errors: sortByLine(errors) };
  return { ok: true, rows: withTeamParents(valid.map((v) => v.row)) };
}

/** One row's fields: the row when all are valid, otherwise `null` and what is wrong. */
function validateRow(
  { line, values }: RosterEntry,
  names: FieldNames,
): { row: RosterRow | null; errors: RosterError[] } {
  const errors: RosterError[] = [];
  const fail = (field: RosterField, message: string): null => {
    errors.push({ line, field: names[field], message });
    return null;
  };
  const text = (field: RosterField, maxLength: number, required: boolean): string | null => {
    const value = values[field];
    if (value === undefined || value === null) return required ? fail(field, 'is required') : null;
    if (typeof value !== 'string') return fail(field, 'must be a string');
    const trimmed = value.trim();
    if (trimmed === '') return required ? fail(field, 'is required') : null;
    if (trimmed.length > maxLength && characterCount(trimmed) > maxLength) {
      return fail(field, `must be at most ${maxLength} characters`);
    }
    return trimmed;
  };

  let email = text('email', EMAIL_MAX_LENGTH, true)?.toLowerCase() ?? null;
  if (email !== null && !isEmailAddress(email)) {
    email = fail('email', 'is not a valid email address');
  }
  const name = text('name', NAME_MAX_LENGTH, true);
  const team = text('team', TEAM_MAX_LENGTH, true);
  const tierText = text('tier', Number.POSITIVE_INFINITY, true)?.toLowerCase() ?? null;
  let tier: Tier | null = null;
  if (tierText !== null) {
    tier = isTier(tierText) ? tierText : fail('tier', `must be ${TIERS.join(' or ')}`);
  }
  let parentTeam = text('parentTeam', TEAM_MAX_LENGTH, false);
  if (parentTeam !== null && parentTeam === team) {
    parentTeam = fail('parentTeam', 'a team cannot be its own parent');
  }

  if (errors.length > 0 || email === null || name === null || team === null || tier === null) {
    return { row: null, errors };
  }
  return { row: { line, email, name, team, tier, parentTeam }, errors };
}

// Characters as PostgreSQL counts them: code points, so a surrogate pair counts once.
function characterCount(value: string): number {
  return value.length - (value.match(SURROGATE_PAIRS)?.length ?? 0);
}

const SURROGATE_PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

// RFC 5321 dot-atom local part and a host name of LDH labels with at least one dot, on the
// lower-cased address. No part of the pattern can match the same text two ways, so it runs
// in linear time.
const EMAIL_PATTERN =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

function isEmailAddress(email: string): boolean {
  const at = email.lastIndexOf('@');
  return at > 0 && at <= 64 && EMAIL_PATTERN.test(email);
}

function duplicateEmails(
  rows: readonly { line: number; row: RosterRow }[],
  names: FieldNames,
): RosterError[] {
  const firstLine = new Map<string, number>();
  const errors: RosterError[] = [];
  for (const { line, row } of rows) {
    const first = firstLine.get(row.email);
    if (first === undefined) {
      firstLine.set(row.email, line);
    } else {
      errors.push({
        line,
        field: names.email,
        message: `duplicate email, already on line ${first}`,
      });
    }
  }
  return errors;
}

/**
 * A team has at most one parent across the import, and following parents upward never
 * comes back to where it started. A row that leaves the parent empty states nothing about
 * it. A loop is reported once, on the last line that stated one of its links.
 */
function teamHierarchyErrors(
  rows: readonly { line: number; row: RosterRow }[],
  names: FieldNames,
): RosterError[] {
  const errors: RosterError[] = [];
  const parentOf = new Map<string, { parent: string; line: number }>();
  for (const { line, row } of rows) {
    if (row.parentTeam === null) continue;
    const stated = parentOf.get(row.team);
    if (stated === undefined) {
      parentOf.set(row.team, { parent: row.parentTeam, line });
    } else if (stated.parent !== row.parentTeam) {
      errors.push({
        line,
        field: names.parentTeam,
        message: `team "${row.team}" already has parent team "${stated.parent}" on line ${stated.line}`,
      });
    }
  }

  // Walk up from each team; a walk that meets a team of its own path has found a loop,
  // one that meets a team already cleared stops. Each team is walked through once.
  const cleared = new Set<string>();
  for (const start of parentOf.keys()) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let team: string | undefined = start;
    while (team !== undefined && !cleared.has(team) && !onPath.has(team)) {
      path.push(team);
      onPath.add(team);
      team = parentOf.get(team)?.parent;
    }
    if (team !== undefined && onPath.has(team)) {
      const loop = path.slice(path.indexOf(team));
      const line = Math.max(...loop.map((t) => parentOf.get(t)?.line ?? 0));
      errors.push({
        line,
        field: names.parentTeam,
        message: `the team hierarchy loops: ${[...loop, team].map((t) => `"${t}"`).join(' → ')}`,
      });
    }
    for (const t of path) cleared.add(t);
  }
  return errors;
}

function withTeamParents(rows: readonly RosterRow[]): RosterRow[] {
  const parentOf = new Map<string, string>();
  for (const row of rows) {
    if (row.parentTeam !== null) parentOf.set(row.team, row.parentTeam);
  }
  return rows.map((row) =>
    row.parentTeam === null && parentOf.has(row.team)
      ? { ...row, parentTeam: parentOf.get(row.team) ?? null }
      : row,
  );
}

function readHeader(
  header: readonly string[],
  line: number,
): { columns: (RosterField | null)[]; errors: RosterError[] } {
  const errors: RosterError[] = [];
  const seen = new Set<RosterField>();
  const columns = header.map((cell, index): RosterField | null => {
    const name = cell.toLowerCase();
    const field = csvField(name);
    if (name === '') {
      errors.push({ line, field: 'row', message: `column ${index + 1} of the header has no name` });
    } else if (field === null) {
      const hint = name.includes(';') ? '; columns are separated by commas' : '';
      errors.push({
        line,
        field: cell,
        message: `unknown column; the columns are email, name, team, tier and optionally parent_team${hint}`,
      });
    } else if (seen.has(field)) {
      errors.push({ line, field: name, message: 'column appears more than once' });
    }
    if (field !== null) seen.add(field);
    return field;
  });
  for (const field of REQUIRED_FIELDS) {
    if (!seen.has(field)) errors.push({ line, field, message: 'missing column' });
  }
  return { columns, errors };
}

function csvField(name: string): RosterField | null {
  switch (name) {
    case 'email':
    case 'name':
    case 'team':
    case 'tier':
      return name;
    case 'parent_team':
      return 'parentTeam';
    default:
      return null;
  }
}

const QUOTE_AFTER_CLOSING =
  'unexpected character after a closing quote; a quote inside a quoted field is written twice ("")';

// What each parse failure a file can cause means to whoever fixes the file; the other
// codes are about parser options and keep the parser's own message.
const SYNTAX_MESSAGES: Partial<Record<CsvErrorCode, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field that starts in this row is never closed',
  CSV_INVALID_CLOSING_QUOTE: QUOTE_AFTER_CLOSING,
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: QUOTE_AFTER_CLOSING,
  INVALID_OPENING_QUOTE:
    'a quote inside an unquoted field; put the whole field in quotes and write the quote twice ("")',
  CSV_MAX_RECORD_SIZE: `the row is longer than ${MAX_RECORD_SIZE} characters`,
};

function syntaxMessage(error: CsvError, headerLength: number | undefined): string {
  if (
    error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ||
    error.code === 'CSV_RECORD_INCONSISTENT_COLUMNS'
  ) {
    const found = Array.isArray(error.record) ? `, found ${error.record.length}` : '';
    return headerLength === undefined
      ? `the row has a different number of fields than the header${found}`
      : `the row should have ${headerLength} fields like the header${found}`;
  }
  return SYNTAX_MESSAGES[error.code] ?? error.message;
}

function tooManyRows(line: number): RosterError {
  return {
    line,
    field: 'row',
    message: `an import holds at most ${ROSTER_MAX_ROWS} people`,
  };
}

function sortByLine(errors: readonly RosterError[]): RosterError[] {
  return errors.toSorted((a, b) => a.line - b.line);
}

/**
 * Finds the physical line on which a record starts, from the byte offset where the
 * previous one ended. Line breaks are `\n`, `\r\n` and a lone `\r`; a record starts at the
 * first byte that is not blank, since blank lines and leading spaces belong to no record.
 * Offsets are expected to grow from call to call, so the file is scanned once; a smaller
 * one starts the count again from the top.
 */
class LineLocator {
  readonly #bytes: Uint8Array;
  #offset = 0;
  #line = 1;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  recordLine(from: number): number {
    const bytes = this.#bytes;
    let start = from;
    if (start === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    while (start < bytes.length && isBlank(bytes[start])) start += 1;
    if (start < this.#offset) {
      this.#offset = 0;
      this.#line = 1;
    }
    for (let i = this.#offset; i < start; i += 1) {
      const byte = bytes[i];
      if (byte === LF || (byte === CR && bytes[i + 1] !== LF)) this.#line += 1;
    }
    this.#offset = start;
    return this.#line;
  }
}

const LF = 0x0a;
const CR = 0x0d;

function isBlank(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === LF || byte === CR;
}
