import { useEffect, useState } from 'preact/hooks';
import { formatDateTime } from '../../format.js';
import { ProblemError } from '../../http.js';
import {
  parsePulseDefinitions,
  parseQueued,
  parseRunList,
  parseStartedRun,
  type Counts,
  type PulseDefinition,
  type Run,
} from '../hr-contract.js';
import { navigate } from '../navigation.js';
import { formatRoute } from '../routes.js';
import { api, nothing } from '../session-state.js';
import { Failure, Show, useLoad, ViewHeader, When } from '../ui.js';

/** How often participation is read again while the view is on screen. */
export const PARTICIPATION_POLL_MS = 10_000;

/** The runs of a pulse, with live participation, starting, closing and reminding. */
export function RunsView({ pulseId }: { pulseId: string | null }) {
  const [pulses] = useLoad((signal) => api('/pulses', parsePulseDefinitions, { signal }), []);
  return (
    <>
      <ViewHeader title="Runs">
        Each run invites the audience of its pulse for a while. While it is open, only participation
        is shown, and only for groups of at least k people; figures are released when it closes.
      </ViewHeader>
      <Show loaded={pulses} loading="Loading pulses…">
        {(list) => (
          <>
            <PulseChoice pulses={list} pulseId={pulseId} />
            {pulseId === null ? (
              list.length === 0 ? null : (
                <p class="empty">Choose a pulse to see its runs.</p>
              )
            ) : (
              <PulseRuns
                key={pulseId}
                pulseId={pulseId}
                pulse={list.find((p) => p.id === pulseId) ?? null}
              />
            )}
          </>
        )}
      </Show>
    </>
  );
}

function PulseChoice({ pulses, pulseId }: { pulses: PulseDefinition[]; pulseId: string | null }) {
  if (pulses.length === 0) {
    return (
      <p class="empty">
        No pulses yet. <a href={formatRoute({ view: 'pulse', pulseId: null })}>Build one</a> first.
      </p>
    );
  }
  return (
    <div class="field field--inline">
      <label for="runs-pulse">Pulse</label>
      <select
        id="runs-pulse"
        value={pulseId ?? ''}
        onChange={(e) => {
          const chosen = e.currentTarget.value;
          navigate({ view: 'runs', pulseId: chosen === '' ? null : chosen });
        }}
      >
        {pulseId === null ? <option value="">Choose a pulse…</option> : null}
        {pulses.map((pulse) => (
          <option key={pulse.id} value={pulse.id}>
            {pulse.title}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Reads the runs now and every {@link PARTICIPATION_POLL_MS} while the page is visible. */
function useLiveRuns(pulseId: string) {
  const [runs, reload] = useLoad(
    (signal) => api(`/pulses/${encodeURIComponent(pulseId)}/runs`, parseRunList, { signal }),
    [pulseId],
  );
  const [readAt, setReadAt] = useState<Date | null>(null);
  useEffect(() => {
    if (runs.state === 'ready') setReadAt(new Date());
  }, [runs]);
  useEffect(() => {
    let timer: number | undefined;
    const schedule = (): void => {
      window.clearInterval(timer);
      timer = document.hidden ? undefined : window.setInterval(reload, PARTICIPATION_POLL_MS);
    };
    const onVisibility = (): void => {
      if (!document.hidden) reload();
      schedule();
    };
    schedule();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [pulseId]);
  return { runs, reload, readAt };
}

function PulseRuns({ pulseId, pulse }: { pulseId: string; pulse: PulseDefinition | null }) {
  const { runs, reload, readAt } = useLiveRuns(pulseId);
  const [failure, setFailure] = useState<unknown>(null);
  const [started, setStarted] = useState('');
  const [busy, setBusy] = useState(false);

  const start = (): void => {
    setBusy(true);
    setFailure(null);
    setStarted('');
    api(`/pulses/${encodeURIComponent(pulseId)}/runs`, parseStartedRun, {
      method: 'POST',
      body: {},
    })
      .then((run) => {
        setStarted(`A run started: ${run.invited} people are invited.`);
        reload();
      })
      .catch(setFailure)
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <>
      <section class="panel" aria-labelledby="runs-start-title">
        <h2 id="runs-start-title">{pulse?.title ?? 'This pulse'}</h2>
        <div class="actions">
          <button class="button" type="button" onClick={start} disabled={busy}>
            {busy ? 'Starting…' : 'Start a run now'}
          </button>
          <a class="button button--quiet" href={formatRoute({ view: 'pulse', pulseId })}>
            Edit the pulse
          </a>
        </div>
        <Failure error={failure} />
        <p class="status" role="status">
          {started}
        </p>
      </section>
      <Show loaded={runs} loading="Loading runs…">
        {(list) =>
          list.length === 0 ? (
            <p class="empty">This pulse has not run yet. “Start a run now” invites its audience.</p>
          ) : (
            <>
              <p class="meta" aria-live="off">
                Participation is read again every {PARTICIPATION_POLL_MS / 1000} seconds while this
                page is shown
                {readAt === null ? '' : `; last read at ${readAt.toLocaleTimeString()}`}.{' '}
                <button class="link-button" type="button" onClick={reload}>
                  Read now
                </button>
              </p>
              <ol class="run-list">
                {list.map((run) => (
                  <RunCard key={run.id} run={run} onChanged={reload} />
                ))}
              </ol>
            </>
          )
        }
      </Show>
    </>
  );
}

const STATES: Record<Run['state'], string> = {
  open: 'Open',
  closing: 'Closed, releasing figures',
  released: 'Released',
};

function share(part: number | null, whole: number): string {
  if (part === null) return 'withheld (group under k)';
  return whole === 0 ? String(part) : `${part} of ${whole} (${Math.round((part / whole) * 100)} %)`;
}

function Meter({ label, value, counts }: { label: string; value: number | null; counts: Counts }) {
  return (
    <div class="meter">
      <span class="meter__label">{label}</span>
      <span class="meter__value" data-count={value ?? ''}>
        {share(value, counts.invited)}
      </span>
      {value === null || counts.invited === 0 ? null : (
        <progress max={counts.invited} value={value} aria-hidden="true" />
      )}
    </div>
  );
}

function RunCard({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const [failure, setFailure] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  const path = `/runs/${encodeURIComponent(run.id)}`;

  const remind = (): void => {
    setBusy(true);
    setFailure(null);
    setNote('');
    api(`${path}/reminders`, parseQueued, { method: 'POST', body: {} })
      .then(({ queued, sendsAt }) => {
        const later = sendsAt !== null && new Date(sendsAt).getTime() > Date.now() + 60_000;
        setNote(
          queued === 0
            ? 'Everyone invited has already collected their token: no reminder was needed.'
            : `A reminder is on its way to ${queued} ${queued === 1 ? 'person' : 'people'} who have not collected their token${
                later ? `; it goes out at ${formatDateTime(sendsAt)}, within the sending hours` : ''
              }.`,
        );
      })
      .catch((error: unknown) => {
        const next = nextReminderAt(error);
        if (next === null) {
          setFailure(error);
        } else {
          setNote(
            `This run was reminded in the last 24 hours; the next reminder can be sent from ${formatDateTime(next)}.`,
          );
        }
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const close = (): void => {
    setBusy(true);
    setFailure(null);
    api(`${path}/close`, nothing, { method: 'POST', body: {} })
      .then(() => {
        setConfirmClose(false);
        onChanged();
      })
      .catch(setFailure)
      .finally(() => {
        setBusy(false);
      });
  };

  const titleId = `run-${run.id}`;
  return (
    <li class="run card" aria-labelledby={titleId}>
      <h3 id={titleId} class="card__title">
        Run of <When iso={run.openedAt} />{' '}
        <span class={`tag tag--${run.state}`}>{STATES[run.state]}</span>
      </h3>
      <p class="meta">
        {run.state === 'open' ? 'Closes' : 'Closed'} <When iso={run.closedAt ?? run.closesAt} /> · k
        = {run.minGroupSize}
      </p>
      <div class="meters" role="group" aria-label="Participation">
        <div class="meter">
          <span class="meter__label">Invited</span>
          <span class="meter__value">{run.participation.invited}</span>
        </div>
        <Meter
          label="Tokens collected"
          value={run.participation.tokensCollected}
          counts={run.participation}
        />
        <Meter label="Responses" value={run.participation.responses} counts={run.participation} />
      </div>
      {run.teams.length === 0 ? null : (
        <details class="run__teams">
          <summary>Participation by team</summary>
          <div class="table-scroll" role="region" aria-label="Participation by team" tabIndex={0}>
            <table class="data-table">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col" class="num">
                    Invited
                  </th>
                  <th scope="col" class="num">
                    Tokens
                  </th>
                  <th scope="col" class="num">
                    Responses
                  </th>
                </tr>
              </thead>
              <tbody>
                {run.teams.map((team) => (
                  <tr key={team.teamId}>
                    <th scope="row">{team.team}</th>
                    <td class="num">{team.invited}</td>
                    <td class="num">{team.tokensCollected ?? '—'}</td>
                    <td class="num">{team.responses ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
      {run.withheld.length === 0 ? null : (
        <p class="meta">
          Not shown on their own, so no group under k can be worked out:{' '}
          {run.withheld.map((w) => w.team).join(', ')}.
        </p>
      )}
      {run.state === 'open' ? (
        <div class="actions">
          <button class="button" type="button" onClick={remind} disabled={busy}>
            Send reminder
          </button>
          {confirmClose ? (
            <>
              <button class="button button--danger" type="button" onClick={close} disabled={busy}>
                Yes, close it now
              </button>
              <button
                class="button button--quiet"
                type="button"
                onClick={() => {
                  setConfirmClose(false);
                }}
              >
                Keep it open
              </button>
            </>
          ) : (
            <button
              class="button button--quiet"
              type="button"
              onClick={() => {
                setConfirmClose(true);
              }}
            >
              Close early
            </button>
          )}
        </div>
      ) : null}
      {confirmClose ? (
        <p class="meta">Closing ends answering now and releases the figures of this run.</p>
      ) : null}
      <Failure error={failure} />
      <p class="status" role="status">
        {note}
      </p>
    </li>
  );
}

/** When a refused reminder may be sent again (`PG_ERR_REMINDER_TOO_SOON`), or null. */
function nextReminderAt(error: unknown): string | null {
  if (!(error instanceof ProblemError) || typeof error.body !== 'object' || error.body === null) {
    return null;
  }
  const body = error.body as { code?: unknown; nextAllowedAt?: unknown };
  return body.code === 'PG_ERR_REMINDER_TOO_SOON' && typeof body.nextAllowedAt === 'string'
    ? body.nextAllowedAt
    : null;
}
