import { describe, expect, test } from 'vitest';
import {
  parseRosterCsv,
  ROSTER_MAX_ROWS,
  validateRosterRows,
  type RosterError,
  type RosterResult,
  type RosterRow,
} from './roster-csv.js';

const HEADER = 'email,name,team,tier';

function csv(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

// The rows without their source line (asserted on its own where it matters).
function rowsOf(result: RosterResult): Omit<RosterRow, 'line'>[] {
  return withLines(result).map(({ line: _line, ...row }) => row);
}

function withLines(result: RosterResult): RosterRow[] {
  if (!result.ok) throw new Error(`expected rows, got ${JSON.stringify(result.errors)}`);
  return result.rows;
}

function errorsOf(result: RosterResult): RosterError[] {
  if (result.ok) throw new Error('expected errors, got rows');
  return result.errors;
}

/** `[line, field]` of each error, the part most tests pin down exactly. */
function where(result: RosterResult): [number, string][] {
  return errorsOf(result).map((e) => [e.line, e.field]);
}

function person(n: number, overrides: Partial<Record<string, string>> = {}): string {
  const values = {
    email: `p${n}@example.com`,
    name: `Person ${n}`,
    team: 'Ops',
    tier: 'frontline',
  };
  return Object.values({ ...values, ...overrides }).join(',');
}

describe('parseRosterCsv: reading the file', () => {
  test('reads rows, lower-cases emails and normalizes tiers', () => {
    const result = parseRosterCsv(
      csv(
        HEADER,
        'Ada@Example.COM,Ada Lovelace,Platform,Leadership',
        'bob@example.com,Bob,Ops,FRONTLINE',
      ),
    );
    expect(rowsOf(result)).toEqual([
      {
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        team: 'Platform',
        tier: 'leadership',
        parentTeam: null,
      },
      { email: 'bob@example.com', name: 'Bob', team: 'Ops', tier: 'frontline', parentTeam: null },
    ]);
  });

  test('each row knows the line it came from', () => {
    const text = csv(
      HEADER,
      'a@example.com,"Ada\nL",Platform,leadership',
      'b@example.com,Bob,Ops,frontline',
    );
    expect(withLines(parseRosterCsv(text)).map((r) => r.line)).toEqual([2, 4]);
    const json = [
      { email: 'a@example.com', name: 'A', team: 'T', tier: 'frontline' },
      { email: 'b@example.com', name: 'B', team: 'T', tier: 'frontline' },
    ];
    expect(withLines(validateRosterRows(json)).map((r) => r.line)).toEqual([1, 2]);
  });

  test('accepts the header in any order and letter case, with parent_team', () => {
    const result = parseRosterCsv(
      csv('Tier,PARENT_TEAM,Team,Name,Email', 'frontline,Engineering,Platform,Ada,ada@example.com'),
    );
    expect(rowsOf(result)).toEqual([
      {
        email: 'ada@example.com',
        name: 'Ada',
        team: 'Platform',
        tier: 'frontline',
        parentTeam: 'Engineering',
      },
    ]);
  });

  test('an empty parent_team is no parent', () => {
    const result = parseRosterCsv(csv(`${HEADER},parent_team`, `${person(1)},`, `${person(2)}, `));
    expect(rowsOf(result).map((r) => r.parentTeam)).toEqual([null, null]);
  });

  test('every row of a team carries the parent stated for it', () => {
    const result = parseRosterCsv(
      csv(
        `${HEADER},parent_team`,
        `${person(1)},`,
        `${person(2)},Operations`,
        `${person(3, { team: 'Sales' })},`,
      ),
    );
    expect(rowsOf(result).map((r) => [r.team, r.parentTeam])).toEqual([
      ['Ops', 'Operations'],
      ['Ops', 'Operations'],
      ['Sales', null],
    ]);
  });

  test('quoted fields keep commas, quotes and line breaks', () => {
    const result = parseRosterCsv(
      csv(
        HEADER,
        'a@example.com,"Lovelace, Ada","Platform ""Core""",leadership',
        'b@example.com,"Bob',
        'the Builder",Ops,frontline',
        'c@example.com,Carol,Ops,frontline',
      ),
    );
    expect(rowsOf(result).map((r) => [r.name, r.team])).toEqual([
      ['Lovelace, Ada', 'Platform "Core"'],
      ['Bob\nthe Builder', 'Ops'],
      ['Carol', 'Ops'],
    ]);
  });

  test('trims spaces around fields, quoted or not', () => {
    const result = parseRosterCsv(csv(HEADER, '  a@example.com , " Ada " ,Ops ,  frontline'));
    expect(rowsOf(result)).toEqual([
      { email: 'a@example.com', name: 'Ada', team: 'Ops', tier: 'frontline', parentTeam: null },
    ]);
  });

  test('reads a file with a byte order mark and CRLF line ends', () => {
    const text = `\uFEFF${HEADER}\r\n${person(1)}\r\n${person(2)}\r\n`;
    expect(rowsOf(parseRosterCsv(text)).map((r) => r.email)).toEqual([
      'p1@example.com',
      'p2@example.com',
    ]);
  });

  test('reads a last row without a line end, and skips blank lines', () => {
    const text = `${HEADER}\n\n${person(1)}\n   \n\n${person(2)}`;
    expect(rowsOf(parseRosterCsv(text))).toHaveLength(2);
  });

  test('a header alone is an empty roster', () => {
    expect(rowsOf(parseRosterCsv(csv(HEADER)))).toEqual([]);
  });
});

describe('parseRosterCsv: line numbers of errors', () => {
  test('count physical lines past quoted line breaks and blank lines', () => {
    const text = csv(
      HEADER, //                                       line 1
      'a@example.com,"Ada', //                         line 2
      'Lovelace",Ops,frontline', //                    line 3
      '', //                                           line 4
      'b@example.com,Bob,Ops,manager', //              line 5
      'c@example.com,"Carol', //                       line 6
      '', //                                           line 7
      'Danvers",Ops,boss', //                          line 8
      'not-an-email,Dan,Ops,frontline', //             line 9
    );
    expect(where(parseRosterCsv(text))).toEqual([
      [5, 'tier'],
      [6, 'tier'],
      [9, 'email'],
    ]);
  });

  test('count CRLF, and CRLF inside quotes, once per line', () => {
    const text = [
      `\uFEFF${HEADER}`, //                            line 1
      'a@example.com,"Ada', //                         line 2
      'Lovelace",Ops,frontline', //                    line 3
      '', //                                           line 4
      'b@example.com,Bob,Ops,manager', //              line 5
      '',
    ].join('\r\n');
    expect(where(parseRosterCsv(text))).toEqual([[5, 'tier']]);
  });

  test('count blank lines before the header', () => {
    const text = `\n\n${HEADER}\nx,Ada,Ops,frontline\n`;
    expect(where(parseRosterCsv(text))).toEqual([[4, 'email']]);
  });

  test('report a row where it starts when a quoted field spans lines', () => {
    const text = csv(HEADER, person(1), 'bad,"Multi', 'line",Ops,frontline');
    expect(errorsOf(parseRosterCsv(text))).toEqual([
      { line: 3, field: 'email', message: 'is not a valid email address' },
    ]);
  });
});

describe('parseRosterCsv: header errors', () => {
  test('an unknown column, on line 1, naming it', () => {
    const result = parseRosterCsv(csv(`${HEADER},Role`, `${person(1)},x`));
    expect(errorsOf(result)).toEqual([
      {
        line: 1,
        field: 'Role',
        message:
          'unknown column; the columns are email, name, team, tier and optionally parent_team',
      },
    ]);
  });

  test('each missing column, on line 1', () => {
    expect(where(parseRosterCsv(csv('email,team', 'a@example.com,Ops')))).toEqual([
      [1, 'name'],
      [1, 'tier'],
    ]);
  });

  test('a repeated column', () => {
    expect(where(parseRosterCsv(csv(`${HEADER},EMAIL`)))).toEqual([[1, 'email']]);
  });

  test('a column without a name', () => {
    expect(errorsOf(parseRosterCsv(csv(`${HEADER},`)))).toEqual([
      { line: 1, field: 'row', message: 'column 5 of the header has no name' },
    ]);
  });

  test('an empty file lacks every column', () => {
    expect(where(parseRosterCsv(''))).toEqual([
      [1, 'email'],
      [1, 'name'],
      [1, 'team'],
      [1, 'tier'],
    ]);
  });

  test('a file separated by semicolons gets a hint', () => {
    const [first] = errorsOf(parseRosterCsv(csv('email;name;team;tier', 'a;b;c;d')));
    expect(first?.message).toContain('separated by commas');
  });
});

describe('parseRosterCsv: CSV syntax errors', () => {
  test('an unclosed quote, on the line where its row starts', () => {
    const text = csv(HEADER, person(1), 'b@example.com,"Bob,Ops,frontline', person(3));
    expect(errorsOf(parseRosterCsv(text))).toEqual([
      {
        line: 3,
        field: 'row',
        message: 'a quoted field that starts in this row is never closed',
      },
    ]);
  });

  test('a row with more fields than the header', () => {
    const text = csv(HEADER, person(1), `${person(2)},extra`);
    expect(errorsOf(parseRosterCsv(text))).toEqual([
      { line: 3, field: 'row', message: 'the row should have 4 fields like the header, found 5' },
    ]);
  });

  test('a row with fewer fields, right after the header and after quoted line breaks', () => {
    expect(where(parseRosterCsv(csv(HEADER, 'a@example.com,Ada,Ops')))).toEqual([[2, 'row']]);
    const text = csv(HEADER, 'a@example.com,"Ada', '', 'L",Ops,frontline', '', 'b@x.io,Bob');
    expect(where(parseRosterCsv(text))).toEqual([[6, 'row']]);
  });

  test('stray characters after a closing quote', () => {
    const text = csv(HEADER, 'a@example.com,"Ada"x,Ops,frontline');
    expect(where(parseRosterCsv(text))).toEqual([[2, 'row']]);
  });

  test('a quote inside an unquoted field', () => {
    const text = csv(HEADER, person(1), 'a@example.com,Ada "Al" L,Ops,frontline');
    expect(where(parseRosterCsv(text))).toEqual([[3, 'row']]);
  });

  test('header errors are kept alongside a syntax error', () => {
    const text = csv('email,name,team', 'a@example.com,"Ada,Ops');
    expect(where(parseRosterCsv(text))).toEqual([
      [1, 'tier'],
      [2, 'row'],
    ]);
  });
});

describe('parseRosterCsv: field errors', () => {
  // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 characters.
  const longestEmail = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;

  test.each([
    ['no at sign', 'ada.example.com'],
    ['no dot in the domain', 'ada@localhost'],
    ['a space', 'ada lovelace@example.com'],
    ['two at signs', 'ada@@example.com'],
    ['a double dot', 'ada..l@example.com'],
    ['a leading dot', '.ada@example.com'],
    ['a label ending in a hyphen', 'ada@example-.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
  ])('rejects an email with %s', (_label, email) => {
    const result = parseRosterCsv(csv(HEADER, person(1), person(2, { email })));
    expect(errorsOf(result)).toEqual([
      { line: 3, field: 'email', message: 'is not a valid email address' },
    ]);
  });

  test('accepts common email forms', () => {
    const emails = ["o'brien+hr@mail.example.co.uk", 'x_y-z@sub-domain.example.org'];
    const result = parseRosterCsv(csv(HEADER, ...emails.map((email, i) => person(i, { email }))));
    expect(rowsOf(result).map((r) => r.email)).toEqual(emails);
  });

  test('an email of 254 characters is fine, 255 is too long', () => {
    expect(longestEmail).toHaveLength(254);
    expect(rowsOf(parseRosterCsv(csv(HEADER, person(1, { email: longestEmail }))))).toHaveLength(1);
    const tooLong = `${longestEmail}d`;
    expect(errorsOf(parseRosterCsv(csv(HEADER, person(1, { email: tooLong }))))).toEqual([
      { line: 2, field: 'email', message: 'must be at most 254 characters' },
    ]);
  });

  test('a name of 1 to 200 characters, counted as characters', () => {
    const names = ['A', 'n'.repeat(200), '😀'.repeat(200)];
    const ok = parseRosterCsv(csv(HEADER, ...names.map((name, i) => person(i, { name }))));
    expect(rowsOf(ok).map((r) => r.name)).toEqual(names);
    const bad = parseRosterCsv(
      csv(HEADER, person(1, { name: 'n'.repeat(201) }), person(2, { name: '😀'.repeat(201) })),
    );
    expect(errorsOf(bad)).toEqual([
      { line: 2, field: 'name', message: 'must be at most 200 characters' },
      { line: 3, field: 'name', message: 'must be at most 200 characters' },
    ]);
  });

  test('a team of 1 to 100 characters', () => {
    expect(rowsOf(parseRosterCsv(csv(HEADER, person(1, { team: 't'.repeat(100) }))))).toHaveLength(
      1,
    );
    expect(errorsOf(parseRosterCsv(csv(HEADER, person(1, { team: 't'.repeat(101) }))))).toEqual([
      { line: 2, field: 'team', message: 'must be at most 100 characters' },
    ]);
  });

  test('a parent team of at most 100 characters', () => {
    const ok = parseRosterCsv(csv(`${HEADER},parent_team`, `${person(1)},${'p'.repeat(100)}`));
    expect(rowsOf(ok)[0]?.parentTeam).toHaveLength(100);
    const bad = parseRosterCsv(csv(`${HEADER},parent_team`, `${person(1)},${'p'.repeat(101)}`));
    expect(errorsOf(bad)).toEqual([
      { line: 2, field: 'parent_team', message: 'must be at most 100 characters' },
    ]);
  });

  test('empty required fields, each reported', () => {
    const result = parseRosterCsv(csv(HEADER, ',,,', ' , "" ,  ,  '));
    expect(errorsOf(result)).toEqual(
      [2, 3].flatMap((line) =>
        ['email', 'name', 'team', 'tier'].map((field) => ({ line, field, message: 'is required' })),
      ),
    );
  });

  test('a tier other than leadership or frontline', () => {
    const result = parseRosterCsv(csv(HEADER, person(1, { tier: 'manager' })));
    expect(errorsOf(result)).toEqual([
      { line: 2, field: 'tier', message: 'must be leadership or frontline' },
    ]);
  });

  test('a team that is its own parent', () => {
    const result = parseRosterCsv(csv(`${HEADER},parent_team`, `${person(1)},Ops`));
    expect(errorsOf(result)).toEqual([
      { line: 2, field: 'parent_team', message: 'a team cannot be its own parent' },
    ]);
  });

  test('a team given two different parents, on the later line', () => {
    const result = parseRosterCsv(
      csv(
        `${HEADER},parent_team`,
        `${person(1)},Operations`,
        `${person(2)},`,
        `${person(3)},Operations`,
        `${person(4)},Engineering`,
      ),
    );
    expect(errorsOf(result)).toEqual([
      {
        line: 5,
        field: 'parent_team',
        message: 'team "Ops" already has parent team "Operations" on line 2',
      },
    ]);
  });

  test('a loop in the team hierarchy, on the line that closes it', () => {
    const result = parseRosterCsv(
      csv(
        `${HEADER},parent_team`,
        `${person(1, { team: 'A' })},B`,
        `${person(2, { team: 'B' })},C`,
        `${person(3, { team: 'D' })},A`,
        `${person(4, { team: 'C' })},A`,
      ),
    );
    expect(errorsOf(result)).toEqual([
      { line: 5, field: 'parent_team', message: 'the team hierarchy loops: "A" → "B" → "C" → "A"' },
    ]);
  });

  test('a duplicate email, whatever its case, on the later line', () => {
    const result = parseRosterCsv(
      csv(HEADER, person(1), person(2), person(3, { email: 'P1@Example.com' })),
    );
    expect(errorsOf(result)).toEqual([
      { line: 4, field: 'email', message: 'duplicate email, already on line 2' },
    ]);
  });

  test('all errors of a file, in line order', () => {
    const result = parseRosterCsv(
      csv(
        `${HEADER},parent_team`,
        `${person(1)},Operations`,
        `${person(2, { email: 'bad', tier: 'x' })},`,
        `${person(3, { email: 'p1@example.com' })},Sales`,
      ),
    );
    expect(where(result)).toEqual([
      [3, 'email'],
      [3, 'tier'],
      [4, 'email'],
      [4, 'parent_team'],
    ]);
  });
});

describe('parseRosterCsv: size limits', () => {
  test(`takes ${ROSTER_MAX_ROWS} rows`, () => {
    const rows = Array.from({ length: ROSTER_MAX_ROWS }, (_, i) => person(i));
    expect(rowsOf(parseRosterCsv(csv(HEADER, ...rows)))).toHaveLength(ROSTER_MAX_ROWS);
  });

  test('refuses one row more, on the line of that row', () => {
    const rows = Array.from({ length: ROSTER_MAX_ROWS + 5 }, (_, i) => person(i));
    expect(errorsOf(parseRosterCsv(csv(HEADER, '', ...rows)))).toEqual([
      { line: ROSTER_MAX_ROWS + 3, field: 'row', message: 'an import holds at most 20000 people' },
    ]);
  });

  test('refuses a runaway row', () => {
    const text = csv(HEADER, person(1, { name: 'n'.repeat(20_000) }));
    expect(where(parseRosterCsv(text))).toEqual([[2, 'row']]);
  });
});

describe('validateRosterRows', () => {
  test('gives the same rows as the CSV form', () => {
    const people = [
      { email: 'Ada@Example.com', name: ' Ada ', team: 'Platform', tier: 'Leadership' },
      { email: 'bob@example.com', name: 'Bob', team: 'Ops', tier: 'frontline', parentTeam: 'Eng' },
      { email: 'cy@example.com', name: 'Cy', team: 'Ops', tier: 'frontline', parentTeam: null },
      { email: 'di@example.com', name: 'Di', team: 'Platform', tier: 'frontline', parentTeam: '' },
    ];
    const text = csv(
      'email,name,team,tier,parent_team',
      'Ada@Example.com, Ada ,Platform,Leadership,',
      'bob@example.com,Bob,Ops,frontline,Eng',
      'cy@example.com,Cy,Ops,frontline,',
      'di@example.com,Di,Platform,frontline,',
    );
    const fromJson = rowsOf(validateRosterRows(people));
    expect(fromJson).toEqual(rowsOf(parseRosterCsv(text)));
    expect(fromJson[0]).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
      team: 'Platform',
      tier: 'leadership',
      parentTeam: null,
    });
    expect(fromJson[2]?.parentTeam).toBe('Eng');
  });

  test('reports the 1-based position in the array and JSON field names', () => {
    const result = validateRosterRows([
      { email: 'a@example.com', name: 'A', team: 'Ops', tier: 'frontline' },
      { email: 'b@example.com', name: 'B', team: 'Ops', tier: 'frontline', parentTeam: 'Ops' },
      { email: 'A@example.com', name: 'C', team: 'Ops', tier: 'frontline' },
    ]);
    expect(errorsOf(result)).toEqual([
      { line: 2, field: 'parentTeam', message: 'a team cannot be its own parent' },
      { line: 3, field: 'email', message: 'duplicate email, already on line 1' },
    ]);
  });

  test('rejects what is not a person', () => {
    const result = validateRosterRows([
      null,
      'a@example.com',
      ['a@example.com'],
      { email: 'a@example.com', name: 'A', team: 'Ops', tier: 'frontline', role: 'x' },
      { email: 42, name: ['A'], team: 'Ops' },
      {},
    ]);
    expect(errorsOf(result)).toEqual([
      {
        line: 1,
        field: 'row',
        message: 'must be an object with email, name, team, tier and optionally parentTeam',
      },
      {
        line: 2,
        field: 'row',
        message: 'must be an object with email, name, team, tier and optionally parentTeam',
      },
      {
        line: 3,
        field: 'row',
        message: 'must be an object with email, name, team, tier and optionally parentTeam',
      },
      { line: 4, field: 'role', message: 'unknown field' },
      { line: 5, field: 'email', message: 'must be a string' },
      { line: 5, field: 'name', message: 'must be a string' },
      { line: 5, field: 'tier', message: 'is required' },
      { line: 6, field: 'email', message: 'is required' },
      { line: 6, field: 'name', message: 'is required' },
      { line: 6, field: 'team', message: 'is required' },
      { line: 6, field: 'tier', message: 'is required' },
    ]);
  });

  test('an empty list is an empty roster', () => {
    expect(validateRosterRows([])).toEqual({ ok: true, rows: [] });
  });

  test(`takes ${ROSTER_MAX_ROWS} people and refuses one more`, () => {
    const people = Array.from({ length: ROSTER_MAX_ROWS + 1 }, (_, i) => ({
      email: `p${i}@example.com`,
      name: `Person ${i}`,
      team: 'Ops',
      tier: 'frontline',
    }));
    expect(rowsOf(validateRosterRows(people.slice(0, ROSTER_MAX_ROWS)))).toHaveLength(
      ROSTER_MAX_ROWS,
    );
    expect(errorsOf(validateRosterRows(people))).toEqual([
      { line: ROSTER_MAX_ROWS + 1, field: 'row', message: 'an import holds at most 20000 people' },
    ]);
  });
});
