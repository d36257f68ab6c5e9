import { expect, test } from 'vitest';
import { isTimeZone } from './time-zone.js';

test('IANA names are time zones; offsets, unknown names and empty text are not', () => {
  for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) {
    expect(isTimeZone(zone), zone).toBe(true);
  }
  for (const zone of ['', 'Mars/Olympus', '+01:00', '-05:00', 'Europe/Berlin ', 'x'.repeat(65)]) {
    expect(isTimeZone(zone), zone).toBe(false);
  }
});
