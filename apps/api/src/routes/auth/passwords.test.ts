import { describe, expect, test } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.js';

const PASSWORD = 'correct horse battery';

describe('password hashes', () => {
  test('are argon2id in the PHC format, salted, and verify only their own password', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(
      /^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(await hashPassword(PASSWORD)).not.toBe(hash);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD} `)).toBe(false);
  });

  // Hashes stored before, made by other argon2id implementations: they still sign people in.
  test.each([
    // the `argon2` package (0.45, its defaults; parameters in the order m, p, t)
    '$argon2id$v=19$m=65536,p=4,t=3$JEcmWghb2zA+axouJ04dJQ$uEI+D4HEMEKFUV2b39hqPIuO8wQoNUB61+9d3nqvQXo',
    // argon2-cffi 21.1 (a 16-byte tag), with its defaults and with lighter parameters
    '$argon2id$v=19$m=65536,t=3,p=4$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg',
    '$argon2id$v=19$m=19456,t=2,p=1$6UBUPBEa++M8LX204KEItw$ACUFblpMaC+oEqQ1j1pd1w',
  ])('a hash made elsewhere verifies: %s', async (hash) => {
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(false);
  });

  test.each([
    '',
    'correct horse battery',
    '$argon2i$v=19$m=65536,t=3,p=4$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg',
    '$argon2id$v=16$m=65536,t=3,p=4$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg',
    '$argon2id$v=19$m=65536,t=3$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg',
    '$argon2id$v=19$m=65536,t=3,p=4,x=1$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg',
    '$argon2id$v=19$m=abc,t=3,p=4$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg',
    '$argon2id$v=19$m=65536,t=3,p=4$wnbTlUbpRyptissZrTudlw$g23p+/7F71kER+icrowULg$extra',
  ])('anything but an argon2id PHC hash says no, without throwing: %s', async (hash) => {
    expect(await verifyPassword(hash, PASSWORD)).toBe(false);
  });

  test('no hash (an unknown email) says no', async () => {
    expect(await verifyPassword(null, PASSWORD)).toBe(false);
  });
});
