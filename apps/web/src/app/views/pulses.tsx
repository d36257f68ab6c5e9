import { formatRoute } from '../routes.js';
import { parsePulseDefinitions } from '../hr-contract.js';
import { describeSchedule, fromCron } from '../schedule-presets.js';
import { api } from '../session-state.js';
import { Show, useLoad, ViewHeader } from '../ui.js';

/** The organization's pulses, with their schedules, and the way into the builder and the runs. */
export function PulsesView() {
  const [pulses] = useLoad((signal) => api('/pulses', parsePulseDefinitions, { signal }), []);
  return (
    <>
      <ViewHeader title="Pulses">
        A pulse asks about stated priorities on the dimensions of the question bank, of an audience,
        once or on a schedule. Each time it runs, the invited people get their personal link.
      </ViewHeader>
      <p>
        <a class="button" href={formatRoute({ view: 'pulse', pulseId: null })}>
          New pulse
        </a>
      </p>
      <Show loaded={pulses} loading="Loading pulses…">
        {(list) =>
          list.length === 0 ? (
            <p class="empty">No pulses yet. Build the first one with “New pulse”.</p>
          ) : (
            <ul class="card-list">
              {list.map((pulse) => (
                <li key={pulse.id} class="card">
                  <h2 class="card__title">
                    <a href={formatRoute({ view: 'pulse', pulseId: pulse.id })}>{pulse.title}</a>
                  </h2>
                  <p class="meta">
                    {pulse.schedule === null
                      ? 'Runs when started by hand'
                      : `${describeSchedule(fromCron(pulse.schedule.cron, pulse.schedule.everyWeeks))} (${pulse.schedule.timezone})`}
                    {pulse.paused ? ' · paused' : ''} · {pulse.priorityIds.length}{' '}
                    {pulse.priorityIds.length === 1 ? 'priority' : 'priorities'} ×{' '}
                    {pulse.dimensions.length} dimensions · k = {pulse.minGroupSize}
                  </p>
                  <p class="card__links">
                    <a
                      href={formatRoute({ view: 'pulse', pulseId: pulse.id })}
                      aria-label={`Edit ${pulse.title}`}
                    >
                      Edit
                    </a>
                    <a
                      href={formatRoute({ view: 'runs', pulseId: pulse.id })}
                      aria-label={`Runs and participation of ${pulse.title}`}
                    >
                      Runs and participation
                    </a>
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </>
  );
}
