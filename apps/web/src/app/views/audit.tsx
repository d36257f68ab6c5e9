import { useState } from 'preact/hooks';
import { detailText } from '../audit-detail.js';
import { parseAuditPage, type AuditEntry } from '../hr-contract.js';
import { api } from '../session-state.js';
import { Failure, useLoad, ViewHeader, When } from '../ui.js';

const PAGE_SIZE = 50;

function pagePath(cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor !== null) query.set('cursor', cursor);
  return `/audit?${query.toString()}`;
}

/** The append-only audit log, newest first, a page at a time. */
export function AuditView() {
  const [first] = useLoad((signal) => api(pagePath(null), parseAuditPage, { signal }), []);
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (first.state === 'loading') {
    return (
      <>
        <ViewHeader title="Audit log" />
        <p class="status" role="status">
          Loading the audit log…
        </p>
      </>
    );
  }
  if (first.state === 'failed') {
    return (
      <>
        <ViewHeader title="Audit log" />
        <Failure error={first.error} />
      </>
    );
  }
  const entries = [...first.value.entries, ...more];
  const next = cursor === undefined ? first.value.nextCursor : cursor;

  const loadMore = (): void => {
    if (next === null) return;
    setBusy(true);
    setFailure(null);
    api(pagePath(next), parseAuditPage)
      .then((page) => {
        setMore((shown) => [...shown, ...page.entries]);
        setCursor(page.nextCursor);
      })
      .catch(setFailure)
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <>
      <ViewHeader title="Audit log">
        Every change to the roster, users, priorities, pulses, thresholds and runs, newest first. It
        names who did it, never who answered what.
      </ViewHeader>
      {entries.length === 0 ? (
        <p class="empty">Nothing has happened yet.</p>
      ) : (
        <ol class="audit-list">
          {entries.map((entry, index) => (
            <li key={`${entry.at}-${index}`} class="audit-entry">
              <p class="audit-entry__what">
                <strong>{entry.action}</strong>{' '}
                <span class="audit-entry__subject">{entry.subject}</span>
              </p>
              <p class="meta">
                <When iso={entry.at} /> · {entry.actor}
              </p>
              {detailText(entry.detail) === '' ? null : (
                <p class="audit-entry__detail">{detailText(entry.detail)}</p>
              )}
            </li>
          ))}
        </ol>
      )}
      <Failure error={failure} />
      {next === null ? (
        entries.length === 0 ? null : (
          <p class="meta">That is the whole log.</p>
        )
      ) : (
        <button class="button button--quiet" type="button" onClick={loadMore} disabled={busy}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
