import { useState } from 'preact/hooks';
import { parseSettings } from '../app/hr-contract.js';
import { navigate } from '../app/navigation.js';
import { api } from '../app/session-state.js';
import { Failure, FieldError, formText, Show, useLoad } from '../app/ui.js';
import { characterCountText } from '../answer-view.js';
import { parseSession } from '../room-contract.js';
import type { SectionProps } from './section.js';
import {
  DEFAULT_ROOM_PROMPT,
  findingsProblem,
  ROOM_FINDINGS,
  ROOM_PROMPT_MAX_LENGTH,
  roomFindingChoices,
  roomThresholdRange,
  thresholdProblem,
  type RoomFindingChoice,
} from './room-findings.js';

/**
 * "Open a live session" on the brief: the findings to put to the room (2 to 5 of the brief's
 * gaps), the room's threshold and its prompt; opening it goes to the room's screen.
 */
export function OpenSession({
  run,
  report,
  priorities,
}: Pick<SectionProps, 'run' | 'report' | 'priorities'>) {
  const [open, setOpen] = useState(false);
  const titles = new Map(priorities.map((p) => [p.id, p.title]));
  const choices = roomFindingChoices(report.brief, titles);
  return (
    <section class="panel room-open" aria-labelledby="room-open-title">
      <h3 id="room-open-title">Discuss it live</h3>
      <p class="meta">
        Put findings to the people in a meeting: they answer on their phones, anonymously, and the
        screen shows their answers once enough have answered.
      </p>
      {open ? (
        <OpenSessionForm
          runId={run.id}
          choices={choices}
          onCancel={() => {
            setOpen(false);
          }}
        />
      ) : (
        <button
          type="button"
          class="button"
          aria-expanded="false"
          onClick={() => {
            setOpen(true);
          }}
        >
          Open a live session
        </button>
      )}
    </section>
  );
}

function OpenSessionForm({
  runId,
  choices,
  onCancel,
}: {
  runId: string;
  choices: RoomFindingChoice[];
  onCancel: () => void;
}) {
  const [settings] = useLoad((signal) => api('/settings', parseSettings, { signal }), []);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [prompt, setPrompt] = useState(DEFAULT_ROOM_PROMPT);
  const [errors, setErrors] = useState<{ findings?: string; threshold?: string; prompt?: string }>(
    {},
  );
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  return (
    <Show loaded={settings} loading="Loading your organization’s thresholds…">
      {({ minGroupSize }) => {
        const range = roomThresholdRange(minGroupSize);
        const submit = (event: SubmitEvent): void => {
          event.preventDefault();
          const data = new FormData(event.currentTarget as HTMLFormElement);
          const threshold = formText(data, 'threshold');
          const text = prompt.trim();
          const found = {
            findings: findingsProblem(chosen.size, choices.length) ?? undefined,
            threshold: thresholdProblem(threshold, range) ?? undefined,
            prompt:
              text === '' || text.length > ROOM_PROMPT_MAX_LENGTH
                ? `The prompt is 1 to ${ROOM_PROMPT_MAX_LENGTH} characters.`
                : undefined,
          };
          setErrors(found);
          if (Object.values(found).some((message) => message !== undefined)) return;
          setBusy(true);
          setFailure(null);
          api('/sessions', parseSession, {
            method: 'POST',
            body: {
              runId,
              findings: choices
                .filter((choice) => chosen.has(choice.key))
                .map(({ priorityId, dimension }) => ({ priorityId, dimension })),
              threshold: Number(threshold),
              prompt: text,
            },
          }).then(
            (session) => {
              navigate({ view: 'room', sessionId: session.id });
            },
            (error: unknown) => {
              setBusy(false);
              setFailure(error);
            },
          );
        };
        return (
          <form class="form room-open__form" noValidate onSubmit={submit}>
            <fieldset
              aria-describedby={
                errors.findings === undefined
                  ? 'room-findings-hint'
                  : 'room-findings-hint room-findings-error'
              }
            >
              <legend>Findings to discuss</legend>
              <p id="room-findings-hint" class="meta">
                Choose {ROOM_FINDINGS.min} to {ROOM_FINDINGS.max}, most important first as the brief
                ranks them ({chosen.size} chosen).
              </p>
              {choices.length === 0 ? (
                <p class="empty">This brief has no gap to put to a room.</p>
              ) : (
                choices.map((choice, i) => (
                  <label key={choice.key} class="room-open__finding">
                    <input
                      type="checkbox"
                      name="finding"
                      value={String(i)}
                      checked={chosen.has(choice.key)}
                      onChange={(event) => {
                        const next = new Set(chosen);
                        if (event.currentTarget.checked) next.add(choice.key);
                        else next.delete(choice.key);
                        setChosen(next);
                        // A message about the choice is about the choice before this one.
                        if (errors.findings !== undefined) {
                          setErrors({ ...errors, findings: undefined });
                        }
                      }}
                    />
                    <span>{choice.label}</span>
                  </label>
                ))
              )}
              <FieldError id="room-findings-error" message={errors.findings} />
            </fieldset>
            <div class="field room-open__threshold">
              <label for="room-threshold">Answers needed before anything shows</label>
              <input
                id="room-threshold"
                name="threshold"
                type="number"
                inputMode="numeric"
                min={range.min}
                max={range.max}
                step={1}
                defaultValue={String(range.initial)}
                aria-describedby={
                  errors.threshold === undefined
                    ? 'room-threshold-hint'
                    : 'room-threshold-hint room-threshold-error'
                }
                aria-invalid={errors.threshold === undefined ? undefined : true}
              />
              <p id="room-threshold-hint" class="meta">
                {range.min} to {range.max}; never below your organization’s minimum group size.
              </p>
              <FieldError id="room-threshold-error" message={errors.threshold} />
            </div>
            <div class="field">
              <label for="room-prompt">Prompt for written answers</label>
              <textarea
                id="room-prompt"
                name="prompt"
                rows={2}
                maxLength={ROOM_PROMPT_MAX_LENGTH}
                value={prompt}
                onInput={(event) => {
                  setPrompt(event.currentTarget.value);
                }}
                aria-describedby={
                  errors.prompt === undefined
                    ? 'room-prompt-count'
                    : 'room-prompt-count room-prompt-error'
                }
                aria-invalid={errors.prompt === undefined ? undefined : true}
              />
              <p id="room-prompt-count" class="meta">
                {characterCountText(prompt.length, ROOM_PROMPT_MAX_LENGTH)}
              </p>
              <FieldError id="room-prompt-error" message={errors.prompt} />
            </div>
            <Failure error={failure} />
            <div class="actions">
              <button type="submit" class="button" disabled={busy} aria-busy={busy}>
                Open the session
              </button>
              <button type="button" class="button button--quiet" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        );
      }}
    </Show>
  );
}
