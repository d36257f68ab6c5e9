import { useMemo, useState } from 'preact/hooks';
import { fieldErrors, parseCreated, parseTeams, type Team } from '../app/hr-contract.js';
import { api } from '../app/session-state.js';
import { Failure, FieldError, formText, Loading, useLoad } from '../app/ui.js';
import type { Priority } from '../contract.js';
import { drawDurabilityChart } from './charts/durability.js';
import { ChartFigure } from './chart-figure.js';
import {
  isOverdue,
  pointText,
  reachText,
  relitigationText,
  runLabels,
  today,
} from './decision-view.js';
import { parseDecision, parseDecisions, type Decision } from './decisions-contract.js';
import { paths } from './query.js';
import type { SectionProps } from './section.js';

/**
 * The decision log: what was decided for which priority, by which team, at the cost of what,
 * and whether it holds. Each open decision adds two items to later runs of pulses asking its
 * priority, asked of its owning team; their shares across runs are its durability.
 */
export function DecisionsSection({ priorities }: SectionProps) {
  const [loaded, reload] = useLoad(
    (signal) =>
      Promise.all([
        api(paths.decisions, parseDecisions, { signal }),
        api(paths.teams, parseTeams, { signal }),
      ]),
    [],
  );
  switch (loaded.state) {
    case 'loading':
      return <Loading what="Loading the decision log…" />;
    case 'failed':
      return (
        <div class="section-body" data-ready="true">
          <Failure error={loaded.error} />
        </div>
      );
    case 'ready': {
      const [decisions, teams] = loaded.value;
      return (
        <div class="section-body decisions" data-ready="true">
          <p class="note">
            Each open decision adds two statements to the next runs of pulses asking about its
            priority, answered by its owning team and the teams under it: whether the decision is
            settled for them, and whether what was to stop or slow has. A decision is flagged as
            relitigated when fewer than 60% treat it as settled, or that share falls by 15 points
            from one run to the next. Shares are shown only for groups of at least the run’s minimum
            group size.
          </p>
          {decisions.length === 0 ? (
            <p class="empty">No decision is recorded yet. Record the first one below.</p>
          ) : (
            <ul class="decision-list" aria-label="Decisions">
              {decisions.map((d) => (
                <li key={d.id}>
                  <DecisionCard decision={d} teams={teams} onChange={reload} />
                </li>
              ))}
            </ul>
          )}
          <NewDecision priorities={priorities} teams={teams} onCreated={reload} />
        </div>
      );
    }
  }
}

function DecisionCard({
  decision,
  teams,
  onChange,
}: {
  decision: Decision;
  teams: readonly Team[];
  onChange: () => void;
}) {
  const overdue = isOverdue(decision, today());
  const flagged = relitigationText(decision);
  const missed = reachText(decision);
  const titleId = `decision-${decision.id}-title`;
  return (
    <article class="decision" aria-labelledby={titleId} data-decision={decision.id}>
      <h3 id={titleId} class="decision__title">
        {decision.title} {decision.status === 'retired' ? <span class="tag">Retired</span> : null}
        {decision.durability.relitigated ? (
          <span class="tag tag--closing" data-testid="relitigated">
            Relitigated
          </span>
        ) : null}
      </h3>
      {flagged === '' ? null : <p class="decision__flag">{flagged}</p>}
      {missed === '' ? null : (
        <p class="decision__reach note" data-testid="reach">
          {missed}
        </p>
      )}
      <dl class="decision__facts">
        <div>
          <dt>Priority</dt>
          <dd>{decision.priorityTitle}</dd>
        </div>
        <div>
          <dt>Owning team</dt>
          <dd>{decision.teamName}</dd>
        </div>
        <div>
          <dt>Tradeoff</dt>
          <dd>{decision.tradeoff}</dd>
        </div>
        <div>
          <dt>Review</dt>
          <dd>
            <time dateTime={decision.reviewOn}>{decision.reviewOn}</time>
            {overdue ? (
              <>
                {' '}
                <span class="tag tag--closing" data-testid="overdue">
                  Overdue
                </span>
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{decision.status === 'open' ? 'Open' : 'Retired'}</dd>
        </div>
      </dl>
      <Durability decision={decision} />
      <ReviseDecision decision={decision} teams={teams} onChange={onChange} />
    </article>
  );
}

function Durability({ decision }: { decision: Decision }) {
  const labels = useMemo(() => runLabels(decision), [decision]);
  if (decision.durability.runs.length === 0) {
    return (
      <p class="decision__pending" data-testid="durability-pending">
        No released run has asked about it yet: its two statements join the next run of a pulse
        asking about {decision.priorityTitle}.
      </p>
    );
  }
  return (
    <ChartFigure
      id={`durability-${decision.id}`}
      title={`How “${decision.title}” held across runs`}
      howToRead="Share of the owning team answering 4 or 5, with its 95% interval; the dashed line is the 60% floor. A gap is a run whose figure is withheld."
      height={300}
      view={decision}
      draw={drawDurabilityChart}
      table={
        <table class="data-table" data-testid="durability-table">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Settled for my team</th>
              <th scope="col">Tradeoff honoured</th>
            </tr>
          </thead>
          <tbody>
            {decision.durability.runs.map((run, i) => (
              <tr key={run.runId}>
                <th scope="row">{labels[i]}</th>
                <td>{pointText(run.settled, run.withheldReason)}</td>
                <td>{pointText(run.stopped, run.withheldReason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

function ReviseDecision({
  decision,
  teams,
  onChange,
}: {
  decision: Decision;
  teams: readonly Team[];
  onChange: () => void;
}) {
  const [errors, setErrors] = useState(new Map<string, string>());
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const prefix = `revise-${decision.id}`;
  const send = (body: Record<string, string>): void => {
    setBusy(true);
    setFailure(null);
    setErrors(new Map());
    api(paths.decision(decision.id), parseDecision, { method: 'PATCH', body })
      .then(() => {
        onChange();
      })
      .catch((error: unknown) => {
        setFailure(error);
        setErrors(fieldErrors(error));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const body: Record<string, string> = {};
    for (const field of ['title', 'tradeoff', 'reviewOn', 'teamId'] as const) {
      const value = formText(data, field);
      if (value !== decision[field]) body[field] = value;
    }
    if (Object.keys(body).length === 0) {
      setErrors(new Map([['', 'Change a field before saving.']]));
      return;
    }
    send(body);
  };
  const describedBy = (field: string) =>
    errors.has(field) ? `${prefix}-${field}-error` : undefined;
  return (
    <details class="decision__revise">
      <summary>Revise or retire</summary>
      <form class="form" onSubmit={submit} noValidate>
        <div class="field">
          <label for={`${prefix}-title`}>Decision</label>
          <input
            id={`${prefix}-title`}
            name="title"
            maxLength={300}
            defaultValue={decision.title}
            aria-invalid={errors.has('title') ? 'true' : undefined}
            aria-describedby={describedBy('title')}
          />
          <FieldError id={`${prefix}-title-error`} message={errors.get('title')} />
        </div>
        <div class="field">
          <label for={`${prefix}-tradeoff`}>Tradeoff</label>
          <textarea
            id={`${prefix}-tradeoff`}
            name="tradeoff"
            rows={2}
            maxLength={1000}
            defaultValue={decision.tradeoff}
            aria-invalid={errors.has('tradeoff') ? 'true' : undefined}
            aria-describedby={describedBy('tradeoff')}
          />
          <FieldError id={`${prefix}-tradeoff-error`} message={errors.get('tradeoff')} />
        </div>
        <TeamSelect
          id={`${prefix}-team`}
          teams={teams}
          selected={decision.teamId}
          errors={errors}
        />
        <div class="field field--inline">
          <label for={`${prefix}-reviewOn`}>Review on</label>
          <input
            id={`${prefix}-reviewOn`}
            name="reviewOn"
            type="date"
            defaultValue={decision.reviewOn}
            aria-invalid={errors.has('reviewOn') ? 'true' : undefined}
            aria-describedby={describedBy('reviewOn')}
          />
          <FieldError id={`${prefix}-reviewOn-error`} message={errors.get('reviewOn')} />
        </div>
        <FieldError id={`${prefix}-error`} message={errors.get('')} />
        <Failure error={failure} />
        <div class="actions">
          <button class="button" type="submit" disabled={busy}>
            Save changes
          </button>
          <button
            class="button button--quiet"
            type="button"
            disabled={busy}
            onClick={() => {
              send({ status: decision.status === 'open' ? 'retired' : 'open' });
            }}
          >
            {decision.status === 'open' ? 'Retire decision' : 'Reopen decision'}
          </button>
        </div>
      </form>
    </details>
  );
}

function TeamSelect({
  id,
  teams,
  selected,
  errors,
}: {
  id: string;
  teams: readonly Team[];
  selected: string;
  errors: ReadonlyMap<string, string>;
}) {
  return (
    <div class="field field--inline">
      <label for={id}>Owning team</label>
      <select
        id={id}
        name="teamId"
        defaultValue={selected}
        aria-invalid={errors.has('teamId') ? 'true' : undefined}
        aria-describedby={errors.has('teamId') ? `${id}-error` : undefined}
      >
        {selected === '' ? <option value="">Choose a team</option> : null}
        {teams.map((team) => (
          <option key={team.id} value={team.id}>
            {team.name}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} message={errors.get('teamId')} />
    </div>
  );
}

/**
 * The form that records a decision. From a live room it names the session it came from and
 * starts at the priority of the finding on the screen.
 */
export function NewDecision({
  priorities,
  teams,
  onCreated,
  sessionId = null,
  priorityId = '',
}: {
  priorities: readonly Priority[];
  teams: readonly Team[];
  onCreated: () => void;
  sessionId?: string | null;
  priorityId?: string;
}) {
  const [errors, setErrors] = useState(new Map<string, string>());
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const title = formText(data, 'title');
    setBusy(true);
    setFailure(null);
    setErrors(new Map());
    setSaved('');
    api(paths.decisions, parseCreated, {
      method: 'POST',
      body: {
        title,
        priorityId: formText(data, 'priorityId'),
        teamId: formText(data, 'teamId'),
        tradeoff: formText(data, 'tradeoff'),
        reviewOn: formText(data, 'reviewOn'),
        ...(sessionId === null ? {} : { sessionId }),
      },
    })
      .then(() => {
        form.reset();
        setSaved(`“${title.trim()}” is recorded.`);
        onCreated();
      })
      .catch((error: unknown) => {
        setFailure(error);
        setErrors(fieldErrors(error));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  const describedBy = (field: string) =>
    errors.has(field) ? `decision-${field}-error` : undefined;
  return (
    <section class="panel" aria-labelledby="decision-new-title">
      <h3 id="decision-new-title">Record a decision</h3>
      <form class="form" onSubmit={submit} noValidate>
        <div class="field field--inline">
          <label for="decision-priorityId">Priority</label>
          <select
            id="decision-priorityId"
            name="priorityId"
            key={priorityId}
            aria-invalid={errors.has('priorityId') ? 'true' : undefined}
            aria-describedby={describedBy('priorityId')}
          >
            <option value="">Choose a priority</option>
            {priorities.map((p) => (
              <option key={p.id} value={p.id} selected={p.id === priorityId}>
                {p.title}
              </option>
            ))}
          </select>
          <FieldError id="decision-priorityId-error" message={errors.get('priorityId')} />
        </div>
        <TeamSelect id="decision-teamId" teams={teams} selected="" errors={errors} />
        <div class="field">
          <label for="decision-title">Decision</label>
          <input
            id="decision-title"
            name="title"
            maxLength={300}
            aria-invalid={errors.has('title') ? 'true' : undefined}
            aria-describedby={describedBy('title')}
          />
          <FieldError id="decision-title-error" message={errors.get('title')} />
        </div>
        <div class="field">
          <label for="decision-tradeoff">Tradeoff: what stops or slows down to make room</label>
          <textarea
            id="decision-tradeoff"
            name="tradeoff"
            rows={2}
            maxLength={1000}
            aria-invalid={errors.has('tradeoff') ? 'true' : undefined}
            aria-describedby={describedBy('tradeoff')}
          />
          <FieldError id="decision-tradeoff-error" message={errors.get('tradeoff')} />
        </div>
        <div class="field field--inline">
          <label for="decision-reviewOn">Review on</label>
          <input
            id="decision-reviewOn"
            name="reviewOn"
            type="date"
            aria-invalid={errors.has('reviewOn') ? 'true' : undefined}
            aria-describedby={describedBy('reviewOn')}
          />
          <FieldError id="decision-reviewOn-error" message={errors.get('reviewOn')} />
        </div>
        <Failure error={failure} />
        <p class="status" role="status">
          {saved}
        </p>
        <button class="button" type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Record decision'}
        </button>
      </form>
    </section>
  );
}
