/**
 * Whether `zone` names a time zone of the IANA database that this runtime knows, such as
 * `Europe/Berlin` or `UTC`. Offsets (`+01:00`) and unknown names are not time zones.
 */
export function isTimeZone(zone: string): boolean {
  // Newer runtimes take offsets as time zones too; an IANA name starts with a letter.
  if (zone.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
