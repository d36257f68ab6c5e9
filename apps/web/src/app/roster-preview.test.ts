import { describe, expect, test } from 'vitest';
import { previewRoster, readCsvRecords } from './roster-preview.js';

describe('the roster preview', () => {
  test('reads rows under the header with the line each starts on', () => {
    const preview = previewRoster(
      'email,name,team,tier\r\nana@x.test,Ana,Support,frontline\r\n\r\nbo@x.test,Bo,Sales,leadership\r\n',
    );
    expect(preview.missingColumns).toEqual([]);
    expect(preview.rows.map((row) => [row.line, row.values.email, row.values.tier])).toEqual([
      [2, 'ana@x.test', 'frontline'],
      [4, 'bo@x.test', 'leadership'],
    ]);
  });

  test('columns in any order and case, parent_team optional, unknown ones named', () => {
    const preview = previewRoster(
      'Tier,EMAIL,name,team,parent_team,badge\nfrontline,a@x.test,A,T,D,9',
    );
    expect(preview.rows[0]?.values).toEqual({
      email: 'a@x.test',
      name: 'A',
      team: 'T',
      parent_team: 'D',
      tier: 'frontline',
    });
    expect(preview.unknownColumns).toEqual(['badge']);
  });

  test('quoted fields hold commas, quotes and line breaks; the next row counts lines', () => {
    const records = readCsvRecords(
      '\uFEFFemail,name\n"a@x.test","Smith, ""Al""\nJr"\nb@x.test,  Bee  \n',
    );
    expect(records).toEqual([
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.test', 'Smith, "Al"\nJr'] },
      { line: 4, fields: ['b@x.test', 'Bee'] },
    ]);
  });

  test('an empty file misses every required column', () => {
    expect(previewRoster('').missingColumns).toEqual(['email', 'name', 'team', 'tier']);
    expect(previewRoster('email,name\n').missingColumns).toEqual(['team', 'tier']);
  });
});
