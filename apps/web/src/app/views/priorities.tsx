import { useState } from 'preact/hooks';
import { parsePriorities } from '../../contract.js';
import { fieldErrors, parseCreated } from '../hr-contract.js';
import { api } from '../session-state.js';
import { Failure, FieldError, formText, Show, useLoad, ViewHeader } from '../ui.js';

const DEFAULT_WEIGHT = 3;

const WEIGHTS = [
  { value: 1, label: '1 · minor' },
  { value: 2, label: '2' },
  { value: 3, label: '3 · important' },
  { value: 4, label: '4' },
  { value: 5, label: '5 · top priority' },
];

/** The priorities leadership has stated, and recording a new one with its stated weight. */
export function PrioritiesView() {
  const [priorities, reload] = useLoad(
    (signal) => api('/priorities', parsePriorities, { signal }),
    [],
  );
  const [failure, setFailure] = useState<unknown>(null);
  const [errors, setErrors] = useState(new Map<string, string>());
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const title = formText(data, 'title');
    const description = formText(data, 'description');
    setBusy(true);
    setFailure(null);
    setErrors(new Map());
    setSaved('');
    api('/priorities', parseCreated, {
      method: 'POST',
      body: {
        title,
        ...(description.trim() === '' ? {} : { description }),
        statedWeight: Number(data.get('statedWeight')),
      },
    })
      .then(() => {
        form.reset();
        const weight = form.elements.namedItem('statedWeight');
        if (weight instanceof HTMLSelectElement) weight.value = String(DEFAULT_WEIGHT);
        setSaved(`“${title.trim()}” is recorded.`);
        reload();
      })
      .catch((error: unknown) => {
        setFailure(error);
        setErrors(fieldErrors(error));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const describedBy = (field: string): string | undefined =>
    errors.has(field) ? `priority-${field}-error` : undefined;

  return (
    <>
      <ViewHeader title="Priorities">
        The strategic priorities leadership has stated, each with its stated weight: how important
        leadership says it is, from 1 to 5. Pulses ask about them; collisions weigh by them.
      </ViewHeader>

      <section class="panel" aria-labelledby="priority-list-title">
        <h2 id="priority-list-title">Stated priorities</h2>
        <Show loaded={priorities} loading="Loading priorities…">
          {(list) =>
            list.length === 0 ? (
              <p class="empty">No priorities yet. Record the first one below.</p>
            ) : (
              <div
                class="table-scroll"
                role="region"
                aria-labelledby="priority-list-title"
                tabIndex={0}
              >
                <table class="data-table">
                  <thead>
                    <tr>
                      <th scope="col">Priority</th>
                      <th scope="col" class="num">
                        Stated weight
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((priority) => (
                      <tr key={priority.id}>
                        <th scope="row">
                          {priority.title}
                          {priority.description ? (
                            <span class="cell-note">{priority.description}</span>
                          ) : null}
                        </th>
                        <td class="num">{priority.statedWeight}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Show>
      </section>

      <section class="panel" aria-labelledby="priority-new-title">
        <h2 id="priority-new-title">Record a priority</h2>
        <form class="form" onSubmit={submit} noValidate>
          <div class="field">
            <label for="priority-title">Title</label>
            <input
              id="priority-title"
              name="title"
              maxLength={200}
              aria-invalid={errors.has('title') ? 'true' : undefined}
              aria-describedby={describedBy('title')}
            />
            <FieldError id="priority-title-error" message={errors.get('title')} />
          </div>
          <div class="field">
            <label for="priority-description">Description (optional)</label>
            <textarea
              id="priority-description"
              name="description"
              rows={3}
              aria-describedby={describedBy('description')}
            />
            <FieldError id="priority-description-error" message={errors.get('description')} />
          </div>
          <div class="field field--inline">
            <label for="priority-weight">Stated weight</label>
            <select
              id="priority-weight"
              name="statedWeight"
              aria-describedby={describedBy('statedWeight')}
            >
              {WEIGHTS.map((weight) => (
                <option
                  key={weight.value}
                  value={weight.value}
                  selected={weight.value === DEFAULT_WEIGHT}
                >
                  {weight.label}
                </option>
              ))}
            </select>
            <FieldError id="priority-statedWeight-error" message={errors.get('statedWeight')} />
          </div>
          <Failure error={failure} />
          <p class="status" role="status">
            {saved}
          </p>
          <button class="button" type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Record priority'}
          </button>
        </form>
      </section>
    </>
  );
}
