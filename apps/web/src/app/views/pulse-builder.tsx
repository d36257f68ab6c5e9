import { DIMENSIONS, TIERS, type Dimension, type Tier } from '@pulsegap/domain';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { parsePriorities, type Priority } from '../../contract.js';
import { ProblemError } from '../../http.js';
import {
  fieldErrors,
  parseCreated,
  parseItems,
  parsePulseDefinition,
  parseReportability,
  parseSettings,
  parseTeams,
  type LikertItem,
  type PulseDefinition,
  type Reportability,
  type Settings,
  type Team,
} from '../hr-contract.js';
import {
  draftOf,
  newDraft,
  pulseBody,
  pulseChanges,
  toggled,
  type PulseDraft,
} from '../pulse-draft.js';
import { formatRoute } from '../routes.js';
import {
  describeSchedule,
  everyWeeksOf,
  toCron,
  WEEKDAYS,
  type Cadence,
  type ScheduleChoice,
} from '../schedule-presets.js';
import { api, nothing } from '../session-state.js';
import { navigate } from '../navigation.js';
import { teamRows } from '../team-rows.js';
import { Failure, FieldError, Loading, Show, useLoad, ViewHeader, When } from '../ui.js';
import { EmployeePreview } from './employee-preview.js';
import { ReportabilityPreview } from './reportability.js';

/** How long the builder waits after a change before it asks for a new reportability preview. */
const PREVIEW_DELAY_MS = 300;

const DIMENSION_HINTS: Record<Dimension, string> = {
  clarity: 'do people understand it',
  importance: 'do they see it as important',
  staffing: 'is the team staffed for it',
  feasibility: 'is it achievable this quarter',
  tradeoffs: 'is it clear what stops',
  ownership: 'did they have a say',
  commitment: 'are they committed',
};

interface Loaded {
  priorities: Priority[];
  teams: Team[];
  settings: Settings;
  pulse: PulseDefinition | null;
  /** The organization's custom Likert items. */
  customItems: LikertItem[];
}

async function loadBuilder(pulseId: string | null, signal: AbortSignal): Promise<Loaded> {
  const [priorities, teams, settings, pulse, items] = await Promise.all([
    api('/priorities', parsePriorities, { signal }),
    api('/teams', parseTeams, { signal }),
    api('/settings', parseSettings, { signal }),
    pulseId === null
      ? Promise.resolve(null)
      : api(`/pulses/${encodeURIComponent(pulseId)}`, parsePulseDefinition, { signal }),
    api('/items', parseItems, { signal }),
  ]);
  return { priorities, teams, settings, pulse, customItems: items.filter((i) => i.custom) };
}

/** The pulse builder: a new pulse, or a saved one to change, pause or delete. */
export function PulseBuilder({ pulseId }: { pulseId: string | null }) {
  const [loaded, reload] = useLoad((signal) => loadBuilder(pulseId, signal), [pulseId]);
  const title = pulseId === null ? 'New pulse' : 'Edit pulse';
  return (
    <>
      <ViewHeader title={title}>
        Choose the priorities and the dimensions to ask about, who is asked, the thresholds that
        protect anonymity, and when it runs. The previews show what employees will see and what a
        run could release.
      </ViewHeader>
      <Show loaded={loaded} loading="Loading priorities, teams and settings…">
        {(value) => <BuilderForm key={value.pulse?.id ?? 'new'} loaded={value} onSaved={reload} />}
      </Show>
    </>
  );
}

function BuilderForm({ loaded, onSaved }: { loaded: Loaded; onSaved: () => void }) {
  const { priorities, teams, settings, pulse, customItems } = loaded;
  const dimensionOrder = useMemo(
    () => [...DIMENSIONS, ...customItems.map((item) => item.key)],
    [customItems],
  );
  const [draft, setDraft] = useState<PulseDraft>(() =>
    pulse === null ? newDraft(settings) : draftOf(pulse, settings),
  );
  const [edited, setEdited] = useState(false);
  const [errors, setErrors] = useState(new Map<string, string>());
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  // A saved pulse keeps its priorities and questions (PATCH does not change them).
  const questionsFixed = pulse !== null;

  const change = (patch: Partial<PulseDraft>): void => {
    setDraft((current) => ({ ...current, ...patch }));
    setEdited(true);
    setSaved('');
  };
  const errorAt = (prefix: string): string | undefined => {
    const found = [...errors.entries()]
      .filter(([key]) => key === prefix || key.startsWith(`${prefix}.`))
      .map(([, message]) => message);
    return found.length === 0 ? undefined : found.join('; ');
  };

  const runPreview = useRunPreview(draft, pulse, edited);
  const orderedTeams = useMemo(() => teamRows(teams, []), [teams]);

  const save = (event: SubmitEvent): void => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    setErrors(new Map());
    setSaved('');
    const request =
      pulse === null
        ? api('/pulses', parseCreated, { method: 'POST', body: pulseBody(draft) }).then(
            (created) => {
              navigate({ view: 'pulse', pulseId: created.id }, true);
            },
          )
        : api(`/pulses/${encodeURIComponent(pulse.id)}`, nothing, {
            method: 'PATCH',
            body: pulseChanges(draft),
          }).then(() => {
            setSaved('The changes are saved.');
            setEdited(false);
            onSaved();
          });
    request
      .catch((error: unknown) => {
        setFailure(error);
        setErrors(fieldErrors(error));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <div class="builder">
      <form class="builder__form form" onSubmit={save} noValidate aria-label="Pulse">
        <div class="field">
          <label for="pulse-title">Title</label>
          <input
            id="pulse-title"
            value={draft.title}
            maxLength={200}
            aria-describedby={errorAt('title') ? 'pulse-title-error' : undefined}
            onInput={(e) => {
              change({ title: e.currentTarget.value });
            }}
          />
          <FieldError id="pulse-title-error" message={errorAt('title')} />
        </div>

        <fieldset class="choices" aria-describedby="pulse-priorities-note">
          <legend>Priorities</legend>
          {priorities.length === 0 ? (
            <p class="empty">
              No priorities yet. <a href={formatRoute({ view: 'priorities' })}>Record one</a> first.
            </p>
          ) : (
            priorities.map((priority) => (
              <label class="choice" key={priority.id}>
                <input
                  type="checkbox"
                  checked={draft.priorityIds.includes(priority.id)}
                  disabled={questionsFixed}
                  onChange={(e) => {
                    change({
                      priorityIds: toggled(
                        draft.priorityIds,
                        priority.id,
                        e.currentTarget.checked,
                        priorities.map((p) => p.id),
                      ),
                    });
                  }}
                />{' '}
                {priority.title} <span class="tag">weight {priority.statedWeight}</span>
              </label>
            ))
          )}
          <p id="pulse-priorities-note" class="meta">
            {questionsFixed
              ? 'A saved pulse keeps its priorities and questions, so its runs compare; build a new pulse to ask something else.'
              : 'Each chosen priority is asked about on each chosen dimension.'}
          </p>
          <FieldError id="pulse-priorities-error" message={errorAt('priorityIds')} />
        </fieldset>

        <fieldset class="choices">
          <legend>Dimensions</legend>
          <div class="choices__grid">
            {DIMENSIONS.map((dimension) => (
              <label class="choice" key={dimension}>
                <input
                  type="checkbox"
                  checked={draft.dimensions.includes(dimension)}
                  disabled={questionsFixed}
                  onChange={(e) => {
                    change({
                      dimensions: toggled(
                        draft.dimensions,
                        dimension,
                        e.currentTarget.checked,
                        dimensionOrder,
                      ),
                    });
                  }}
                />{' '}
                {dimension} <span class="choice__hint">({DIMENSION_HINTS[dimension]})</span>
              </label>
            ))}
            {customItems.map((item) => (
              <label class="choice" key={item.key}>
                <input
                  type="checkbox"
                  checked={draft.dimensions.includes(item.key)}
                  disabled={questionsFixed}
                  onChange={(e) => {
                    change({
                      dimensions: toggled(
                        draft.dimensions,
                        item.key,
                        e.currentTarget.checked,
                        dimensionOrder,
                      ),
                    });
                  }}
                />{' '}
                {item.key} <span class="choice__hint">({item.statement})</span>
              </label>
            ))}
          </div>
          <label class="choice">
            <input
              type="checkbox"
              checked={draft.predictions}
              onChange={(e) => {
                change({ predictions: e.currentTarget.checked });
              }}
            />{' '}
            Ask leaders to predict the frontline's staffing and feasibility answers
          </label>
          <FieldError id="pulse-predictions-error" message={errorAt('predictions')} />
          <label class="choice">
            <input
              type="checkbox"
              checked={draft.openQuestion}
              disabled={questionsFixed}
              onChange={(e) => {
                change({ openQuestion: e.currentTarget.checked });
              }}
            />{' '}
            End with the open question
          </label>
          <FieldError id="pulse-dimensions-error" message={errorAt('dimensions')} />
        </fieldset>

        <fieldset class="choices">
          <legend>Audience</legend>
          <p class="meta">
            No team chosen: the whole organization. A team includes the teams beneath it.
          </p>
          {orderedTeams.length === 0 ? (
            <p class="empty">
              No teams yet: <a href={formatRoute({ view: 'roster' })}>import the roster</a>.
            </p>
          ) : (
            <div class="choices__grid">
              {orderedTeams.map((team) => (
                <label
                  class="choice"
                  key={team.id}
                  style={{ paddingLeft: `${team.depth * 1.25}rem` }}
                >
                  <input
                    type="checkbox"
                    checked={draft.teamIds.includes(team.id)}
                    onChange={(e) => {
                      change({
                        teamIds: toggled(
                          draft.teamIds,
                          team.id,
                          e.currentTarget.checked,
                          orderedTeams.map((t) => t.id),
                        ),
                      });
                    }}
                  />{' '}
                  {team.name}
                </label>
              ))}
            </div>
          )}
          <p class="meta">Tiers</p>
          <div class="choices__row">
            {TIERS.map((tier) => (
              <label class="choice" key={tier}>
                <input
                  type="checkbox"
                  checked={draft.tiers.length === 0 || draft.tiers.includes(tier)}
                  onChange={(e) => {
                    const current: Tier[] = draft.tiers.length === 0 ? [...TIERS] : draft.tiers;
                    const next = toggled(current, tier, e.currentTarget.checked, TIERS);
                    change({ tiers: next.length === TIERS.length ? [] : next });
                  }}
                />{' '}
                {tier}
              </label>
            ))}
          </div>
          <FieldError id="pulse-audience-error" message={errorAt('audience')} />
        </fieldset>

        <fieldset class="choices">
          <legend>Thresholds</legend>
          <p class="meta">
            The organization’s floor: figures for groups of at least {settings.minGroupSize},
            comments for groups of at least {settings.commentMinGroupSize}. A pulse may raise them,
            never lower them.
          </p>
          <div class="field-row">
            <div class="field">
              <label for="pulse-k">Minimum group size k</label>
              <input
                id="pulse-k"
                type="number"
                inputMode="numeric"
                min={settings.minGroupSize}
                max={1000}
                value={draft.minGroupSize}
                aria-describedby={errorAt('minGroupSize') ? 'pulse-k-error' : undefined}
                onInput={(e) => {
                  change({ minGroupSize: e.currentTarget.valueAsNumber });
                }}
              />
              <FieldError id="pulse-k-error" message={errorAt('minGroupSize')} />
            </div>
            <div class="field">
              <label for="pulse-comment-k">For comments</label>
              <input
                id="pulse-comment-k"
                type="number"
                inputMode="numeric"
                min={Math.max(settings.commentMinGroupSize, draft.minGroupSize)}
                max={1000}
                value={draft.commentMinGroupSize}
                aria-describedby={
                  errorAt('commentMinGroupSize') ? 'pulse-comment-k-error' : undefined
                }
                onInput={(e) => {
                  change({ commentMinGroupSize: e.currentTarget.valueAsNumber });
                }}
              />
              <FieldError id="pulse-comment-k-error" message={errorAt('commentMinGroupSize')} />
            </div>
          </div>
        </fieldset>

        <ScheduleFields
          draft={draft}
          change={change}
          errorAt={errorAt}
          nextOccurrences={edited ? [] : (pulse?.nextOccurrences ?? [])}
        />

        <fieldset class="choices">
          <legend>Reminders</legend>
          <p class="meta">
            A reminder goes only to those who have not collected their token, and never says who
            answered. It waits for the organization’s sending hours.
          </p>
          <label class="choice">
            <input
              type="checkbox"
              checked={draft.remindHalfWindow}
              onChange={(e) => {
                change({ remindHalfWindow: e.currentTarget.checked });
              }}
            />
            At the middle of each run’s window
          </label>
          <label class="choice">
            <input
              type="checkbox"
              checked={draft.remindHoursBeforeClose !== null}
              onChange={(e) => {
                change({ remindHoursBeforeClose: e.currentTarget.checked ? 24 : null });
              }}
            />
            Before each run closes
          </label>
          {draft.remindHoursBeforeClose === null ? null : (
            <div class="field field--inline">
              <label for="pulse-remind-hours">Hours before it closes</label>
              <input
                id="pulse-remind-hours"
                type="number"
                inputMode="numeric"
                min={1}
                max={2160}
                value={draft.remindHoursBeforeClose}
                aria-describedby={errorAt('reminders') ? 'pulse-remind-error' : undefined}
                onInput={(e) => {
                  change({ remindHoursBeforeClose: e.currentTarget.valueAsNumber });
                }}
              />
            </div>
          )}
          <FieldError id="pulse-remind-error" message={errorAt('reminders')} />
        </fieldset>

        <Failure error={failure} />
        <p class="status" role="status">
          {saved}
        </p>
        <div class="actions">
          <button class="button" type="submit" disabled={busy}>
            {busy ? 'Saving…' : pulse === null ? 'Save pulse' : 'Save changes'}
          </button>
          {pulse === null ? null : (
            <a class="button button--quiet" href={formatRoute({ view: 'runs', pulseId: pulse.id })}>
              Runs and participation
            </a>
          )}
        </div>
      </form>

      <aside class="builder__previews" aria-label="Previews">
        {pulse === null ? null : <PulseActions pulse={pulse} onChanged={onSaved} />}
        <section class="panel" aria-labelledby="reportability-title">
          <h2 id="reportability-title">What a run would release</h2>
          <ReportabilityPanel shown={runPreview} teams={teams} />
        </section>
        <EmployeePreview
          draft={draft}
          priorities={priorities}
          customItems={customItems}
          teams={teams}
          decisionItems={runPreview.state === 'ready' ? runPreview.preview.decisionItems : []}
        />
      </aside>
    </div>
  );
}

function ScheduleFields({
  draft,
  change,
  errorAt,
  nextOccurrences,
}: {
  draft: PulseDraft;
  change: (patch: Partial<PulseDraft>) => void;
  errorAt: (prefix: string) => string | undefined;
  nextOccurrences: string[];
}) {
  const choice = draft.schedule;
  const preset = choice.kind === 'custom' ? null : choice;
  const setChoice = (next: ScheduleChoice): void => {
    change({ schedule: next });
  };
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const time = preset === null ? '09:00' : `${pad(preset.hour)}:${pad(preset.minute)}`;
  return (
    <fieldset class="choices">
      <legend>Schedule</legend>
      <label class="choice">
        <input
          type="checkbox"
          checked={draft.scheduled}
          onChange={(e) => {
            change({ scheduled: e.currentTarget.checked });
          }}
        />{' '}
        Run on a schedule (otherwise only when started by hand)
      </label>
      {draft.scheduled ? (
        <>
          <div class="field-row">
            <div class="field">
              <label for="schedule-cadence">How often</label>
              <select
                id="schedule-cadence"
                value={choice.kind}
                onChange={(e) => {
                  const kind = e.currentTarget.value as Cadence | 'custom';
                  if (kind === 'custom') {
                    setChoice(
                      choice.kind === 'custom'
                        ? choice
                        : { kind, cron: toCron(choice), everyWeeks: everyWeeksOf(choice) },
                    );
                  } else {
                    setChoice({
                      kind,
                      weekday: preset?.weekday ?? 1,
                      hour: preset?.hour ?? 9,
                      minute: preset?.minute ?? 0,
                    });
                  }
                }}
              >
                <option value="weekly">Weekly</option>
                <option value="fortnightly">Every two weeks</option>
                <option value="monthly">Monthly (first weekday of the month)</option>
                <option value="quarterly">Quarterly (first weekday of the quarter)</option>
                <option value="custom">Custom (cron expression)</option>
              </select>
            </div>
            {preset === null ? (
              <div class="field">
                <label for="schedule-cron">Cron expression</label>
                <input
                  id="schedule-cron"
                  class="code-input"
                  value={choice.kind === 'custom' ? choice.cron : ''}
                  aria-describedby="schedule-cron-help"
                  onInput={(e) => {
                    setChoice({
                      kind: 'custom',
                      cron: e.currentTarget.value,
                      everyWeeks: choice.kind === 'custom' ? choice.everyWeeks : 1,
                    });
                  }}
                />
                <p id="schedule-cron-help" class="meta">
                  minute hour day-of-month month day-of-week, e.g. <code>0 9 * * 1</code>
                </p>
              </div>
            ) : (
              <>
                <div class="field">
                  <label for="schedule-weekday">
                    {preset.kind === 'weekly' || preset.kind === 'fortnightly'
                      ? 'On'
                      : 'On the first'}
                  </label>
                  <select
                    id="schedule-weekday"
                    value={String(preset.weekday)}
                    onChange={(e) => {
                      setChoice({ ...preset, weekday: Number(e.currentTarget.value) });
                    }}
                  >
                    {WEEKDAYS.map((day, index) => (
                      <option key={day} value={String(index)}>
                        {day}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="schedule-time">At</label>
                  <input
                    id="schedule-time"
                    type="time"
                    step={60}
                    value={time}
                    onInput={(e) => {
                      const [hour = 9, minute = 0] = e.currentTarget.value.split(':').map(Number);
                      setChoice({ ...preset, hour, minute });
                    }}
                  />
                </div>
              </>
            )}
          </div>
          <div class="field-row">
            <div class="field">
              <label for="schedule-zone">Time zone</label>
              <input
                id="schedule-zone"
                list="time-zones"
                value={draft.timezone}
                aria-describedby={errorAt('schedule.timezone') ? 'schedule-zone-error' : undefined}
                onInput={(e) => {
                  change({ timezone: e.currentTarget.value });
                }}
              />
              <datalist id="time-zones">
                {zones.map((zone) => (
                  <option key={zone} value={zone} />
                ))}
              </datalist>
              <FieldError id="schedule-zone-error" message={errorAt('schedule.timezone')} />
            </div>
            <div class="field">
              <label for="schedule-hours">Open for (hours)</label>
              <input
                id="schedule-hours"
                type="number"
                inputMode="numeric"
                min={1}
                max={2160}
                value={draft.openForHours}
                onInput={(e) => {
                  change({ openForHours: e.currentTarget.valueAsNumber });
                }}
              />
            </div>
          </div>
          <p class="schedule-summary" id="schedule-summary">
            {describeSchedule(choice)} ({draft.timezone}), each run open for {draft.openForHours}{' '}
            hours.
          </p>
          <FieldError
            id="schedule-error"
            message={
              errorAt('schedule.cron') ?? errorAt('schedule.openForHours') ?? errorAt('schedule')
            }
          />
          {nextOccurrences.length === 0 ? null : (
            <>
              <p class="meta" id="next-runs-title">
                Next runs ({draft.timezone})
              </p>
              <ul class="plain-list" aria-labelledby="next-runs-title">
                {nextOccurrences.map((iso) => (
                  <li key={iso}>
                    <When iso={iso} timeZone={draft.timezone} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      ) : (
        <div class="field field--inline">
          <label for="pulse-hours">Each run open for (hours)</label>
          <input
            id="pulse-hours"
            type="number"
            inputMode="numeric"
            min={1}
            max={2160}
            value={draft.openForHours}
            disabled={false}
            onInput={(e) => {
              change({ openForHours: e.currentTarget.valueAsNumber });
            }}
          />
        </div>
      )}
    </fieldset>
  );
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

type PreviewState =
  | { state: 'idle'; reason: string }
  | { state: 'loading' }
  | { state: 'ready'; preview: Reportability }
  | { state: 'unavailable' }
  | { state: 'failed'; error: unknown };

/**
 * The server's preview of a run of the draft (`POST /pulses/preview`; of the stored pulse
 * while unchanged), asked for again ~300 ms after the draft last changed: what the
 * reportability panel shows, and the decisions' follow-up items the employee preview shows.
 */
function useRunPreview(
  draft: PulseDraft,
  pulse: PulseDefinition | null,
  edited: boolean,
): PreviewState {
  const [shown, setShown] = useState<PreviewState>({ state: 'loading' });
  const body = JSON.stringify(
    pulseBody({ ...draft, title: draft.title.trim() || 'Untitled pulse' }),
  );
  useEffect(() => {
    if (draft.priorityIds.length === 0 || draft.dimensions.length === 0) {
      setShown({ state: 'idle', reason: 'Choose at least one priority and one dimension.' });
      return undefined;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      setShown((current) => (current.state === 'ready' ? current : { state: 'loading' }));
      const request =
        pulse !== null && !edited
          ? api(`/pulses/${encodeURIComponent(pulse.id)}/preview`, parseReportability, {
              signal: controller.signal,
            })
          : api('/pulses/preview', parseReportability, {
              method: 'POST',
              body: JSON.parse(body) as unknown,
              signal: controller.signal,
            });
      request.then(
        (preview) => {
          setShown({ state: 'ready', preview });
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          if (error instanceof ProblemError && (error.status === 404 || error.status === 405)) {
            setShown({ state: 'unavailable' });
          } else {
            setShown({ state: 'failed', error });
          }
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [body, pulse?.id, edited]);

  return shown;
}

/** The reportability preview. */
function ReportabilityPanel({ shown, teams }: { shown: PreviewState; teams: Team[] }) {
  switch (shown.state) {
    case 'idle':
      return <p class="empty">{shown.reason}</p>;
    case 'loading':
      return <Loading what="Working out what a run would release…" />;
    case 'unavailable':
      return <p class="empty">This server does not preview reportability yet.</p>;
    case 'failed':
      return <Failure error={shown.error} />;
    case 'ready':
      return <ReportabilityPreview preview={shown.preview} teams={teams} />;
  }
}

/** Pause or resume the schedule, and delete the pulse (its runs and figures stay). */
function PulseActions({ pulse, onChanged }: { pulse: PulseDefinition; onChanged: () => void }) {
  const [failure, setFailure] = useState<unknown>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const path = `/pulses/${encodeURIComponent(pulse.id)}`;

  const act = (request: Promise<unknown>, after: () => void): void => {
    setBusy(true);
    setFailure(null);
    request
      .then(after)
      .catch(setFailure)
      .finally(() => {
        setBusy(false);
      });
  };

  return (
    <section class="panel" aria-labelledby="pulse-actions-title">
      <h2 id="pulse-actions-title">This pulse</h2>
      {pulse.schedule === null ? (
        <p class="meta">It has no schedule: start runs by hand under Runs.</p>
      ) : (
        <p class="meta">
          {pulse.paused
            ? 'The schedule is paused: no run starts by itself until it is resumed.'
            : 'The schedule is on.'}
        </p>
      )}
      <div class="actions">
        {pulse.schedule === null ? null : (
          <button
            class="button button--quiet"
            type="button"
            disabled={busy}
            onClick={() => {
              act(
                api(path, nothing, { method: 'PATCH', body: { paused: !pulse.paused } }),
                onChanged,
              );
            }}
          >
            {pulse.paused ? 'Resume the schedule' : 'Pause the schedule'}
          </button>
        )}
        {confirmDelete ? (
          <>
            <button
              class="button button--danger"
              type="button"
              disabled={busy}
              onClick={() => {
                act(api(path, nothing, { method: 'DELETE' }), () => {
                  navigate({ view: 'pulses' });
                });
              }}
            >
              Yes, delete “{pulse.title}”
            </button>
            <button
              class="button button--quiet"
              type="button"
              onClick={() => {
                setConfirmDelete(false);
              }}
            >
              Keep it
            </button>
          </>
        ) : (
          <button
            class="button button--quiet"
            type="button"
            onClick={() => {
              setConfirmDelete(true);
            }}
          >
            Delete pulse
          </button>
        )}
      </div>
      {confirmDelete ? (
        <p class="meta">Deleting stops its schedule; its runs and their figures stay.</p>
      ) : null}
      <Failure error={failure} />
    </section>
  );
}
