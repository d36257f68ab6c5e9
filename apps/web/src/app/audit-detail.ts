/* The detail of an audit event, in a line people can read. */

/** A value of an event's detail: text as it is, a list of plain values joined, else JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    return value.map((v) => String(v)).join(', ');
  }
  return JSON.stringify(value);
}

/** `{field: {old, new}}` of a change, as `field: old → new`; null for anything else. */
function changesText(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const parts: string[] = [];
  for (const [field, change] of Object.entries(value as Record<string, unknown>)) {
    if (typeof change !== 'object' || change === null || !('old' in change) || !('new' in change)) {
      return null;
    }
    parts.push(`${field}: ${valueText(change.old)} → ${valueText(change.new)}`);
  }
  return parts.join(', ');
}

/** The detail of an event, compact: `key: value` for each field that holds something. */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object' || Array.isArray(detail)) return valueText(detail);
  return Object.entries(detail)
    .filter(([, value]) => value !== '' && value !== null && value !== undefined)
    .map(([key, value]) => changesText(value) ?? `${key}: ${valueText(value)}`)
    .join(' · ');
}
