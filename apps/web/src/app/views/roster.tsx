import { useState } from 'preact/hooks';
import { DEACTIVATION_CONFIRMATION_SHARE } from '@pulsegap/domain';
import { ProblemError } from '../../http.js';
import {
  parseImportCounts,
  problemEntries,
  problemNumber,
  type ImportCounts,
  type ProblemEntry,
} from '../hr-contract.js';
import { previewRoster, ROSTER_COLUMNS } from '../roster-preview.js';
import { api } from '../session-state.js';
import { Failure, ViewHeader } from '../ui.js';

/** What the API said of the file without applying it (`dryRun=true`). */
type Check =
  | { state: 'none' }
  | { state: 'checking' }
  | { state: 'passed'; counts: ImportCounts }
  | { state: 'errors'; detail: string; errors: ProblemEntry[] }
  | { state: 'confirm'; deactivated: number; active: number }
  | { state: 'failed'; error: unknown };

const SHARE = `${Math.round(DEACTIVATION_CONFIRMATION_SHARE * 100)} %`;

function importPath(options: { dryRun: boolean; deactivateMissing: boolean; confirm: boolean }) {
  const query = new URLSearchParams();
  if (options.dryRun) query.set('dryRun', 'true');
  if (options.deactivateMissing) query.set('deactivateMissing', 'true');
  if (options.confirm) query.set('confirmDeactivation', 'true');
  const text = query.toString();
  return text === '' ? '/people/import' : `/people/import?${text}`;
}

function sendRoster(csv: string, options: Parameters<typeof importPath>[0]): Promise<ImportCounts> {
  return api(importPath(options), parseImportCounts, {
    method: 'POST',
    body: csv,
    contentType: 'text/csv',
  });
}

function countsText(counts: ImportCounts, would: boolean): string {
  const verb = would ? 'would ' : '';
  return `The import ${verb}create ${counts.created}, ${verb}update ${counts.updated} and ${verb}deactivate ${counts.deactivated} ${counts.deactivated === 1 ? 'person' : 'people'}.`;
}

/**
 * The roster import: a CSV file (chosen or pasted) shown as a table, checked by the API without
 * applying anything, with every error beside its line and field; applied only once the check
 * passes, and only after a confirmation when it would deactivate a large share of the people.
 */
export function RosterView() {
  const [csv, setCsv] = useState('');
  const [deactivateMissing, setDeactivateMissing] = useState(false);
  const [check, setCheck] = useState<Check>({ state: 'none' });
  const [confirmed, setConfirmed] = useState(false);
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState('');
  const [importFailure, setImportFailure] = useState<unknown>(null);

  const preview = previewRoster(csv);
  const changed = (text: string): void => {
    setCsv(text);
    setCheck({ state: 'none' });
    setConfirmed(false);
    setImported('');
    setImportFailure(null);
  };

  const runCheck = (text = csv, deactivate = deactivateMissing): void => {
    setCheck({ state: 'checking' });
    setConfirmed(false);
    setImported('');
    sendRoster(text, { dryRun: true, deactivateMissing: deactivate, confirm: false })
      .then((counts) => {
        setCheck({ state: 'passed', counts });
      })
      .catch((error: unknown) => {
        if (error instanceof ProblemError && error.status === 400) {
          setCheck({ state: 'errors', detail: error.detail, errors: problemEntries(error) });
        } else if (error instanceof ProblemError && error.status === 409) {
          setCheck({
            state: 'confirm',
            deactivated: problemNumber(error, 'deactivated') ?? 0,
            active: problemNumber(error, 'active') ?? 0,
          });
        } else {
          setCheck({ state: 'failed', error });
        }
      });
  };

  const chooseFile = (event: Event): void => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    file.text().then(
      (text) => {
        changed(text);
        runCheck(text);
      },
      (error: unknown) => {
        setCheck({ state: 'failed', error });
      },
    );
  };

  const apply = (): void => {
    setImporting(true);
    setImportFailure(null);
    sendRoster(csv, { dryRun: false, deactivateMissing, confirm: check.state === 'confirm' })
      .then((counts) => {
        setImported(`Imported. ${countsText(counts, false)}`);
        setCheck({ state: 'none' });
      })
      .catch(setImportFailure)
      .finally(() => {
        setImporting(false);
      });
  };

  const errorsByLine = new Map<number, ProblemEntry[]>();
  const otherErrors: ProblemEntry[] = [];
  if (check.state === 'errors') {
    const lines = new Set(preview.rows.map((row) => row.line));
    for (const error of check.errors) {
      if (error.line !== null && lines.has(error.line)) {
        errorsByLine.set(error.line, [...(errorsByLine.get(error.line) ?? []), error]);
      } else {
        otherErrors.push(error);
      }
    }
  }
  const canImport =
    check.state === 'passed' || (check.state === 'confirm' && confirmed && check.deactivated > 0);

  return (
    <>
      <ViewHeader title="Roster">
        Import the people of the organization as a CSV file with the header{' '}
        <code>email,name,team,tier</code> (and optionally <code>parent_team</code>; tier is{' '}
        <code>leadership</code> or <code>frontline</code>). The file is checked first; nothing is
        changed until you import it.
      </ViewHeader>

      <section class="panel" aria-labelledby="roster-file-title">
        <h2 id="roster-file-title">1. The file</h2>
        <div class="field">
          <label for="roster-file">Choose a CSV file</label>
          <input id="roster-file" type="file" accept=".csv,text/csv" onChange={chooseFile} />
        </div>
        <div class="field">
          <label for="roster-csv">Or paste its text</label>
          <textarea
            id="roster-csv"
            class="code-input"
            rows={6}
            spellcheck={false}
            value={csv}
            onInput={(event) => {
              changed(event.currentTarget.value);
            }}
          />
        </div>
        <label class="choice">
          <input
            type="checkbox"
            checked={deactivateMissing}
            onChange={(event) => {
              setDeactivateMissing(event.currentTarget.checked);
              setCheck({ state: 'none' });
            }}
          />{' '}
          Deactivate active people who are not in this file
        </label>
        <button
          class="button"
          type="button"
          disabled={csv.trim() === '' || check.state === 'checking'}
          onClick={() => {
            runCheck();
          }}
        >
          {check.state === 'checking' ? 'Checking…' : 'Check the file'}
        </button>
      </section>

      <section class="panel" aria-labelledby="roster-preview-title">
        <h2 id="roster-preview-title">2. Preview and check</h2>
        {csv.trim() === '' ? (
          <p class="empty">Choose or paste a file to see its rows here.</p>
        ) : (
          <>
            <p class="meta">
              {preview.rows.length} {preview.rows.length === 1 ? 'row' : 'rows'} under the header.
              {preview.missingColumns.length > 0
                ? ` The header lacks: ${preview.missingColumns.join(', ')}.`
                : ''}
              {preview.unknownColumns.length > 0
                ? ` Unknown columns: ${preview.unknownColumns.join(', ')}.`
                : ''}
            </p>
            <CheckResult
              check={check}
              otherErrors={otherErrors}
              confirmed={confirmed}
              onConfirm={setConfirmed}
            />
            <div
              class="table-scroll roster-preview"
              role="region"
              aria-labelledby="roster-preview-title"
              tabIndex={0}
            >
              <table class="data-table roster-table">
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      Line
                    </th>
                    {ROSTER_COLUMNS.map((column) => (
                      <th scope="col" key={column}>
                        {column}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((row) => {
                    const errors = errorsByLine.get(row.line) ?? [];
                    const wrong = new Set(errors.map((e) => e.field));
                    return [
                      <tr key={row.line} class={errors.length > 0 ? 'row--invalid' : undefined}>
                        <th scope="row" class="num">
                          {row.line}
                        </th>
                        {ROSTER_COLUMNS.map((column) => (
                          <td
                            key={column}
                            class={wrong.has(column) ? 'cell--invalid' : undefined}
                            data-label={column}
                          >
                            {row.values[column]}
                          </td>
                        ))}
                      </tr>,
                      errors.length === 0 ? null : (
                        <tr key={`${row.line}-errors`} class="row-errors">
                          <td colSpan={ROSTER_COLUMNS.length + 1}>
                            <ul>
                              {errors.map((error, i) => (
                                <li key={i}>
                                  Line {row.line}, {error.field}: {error.message}
                                </li>
                              ))}
                            </ul>
                          </td>
                        </tr>
                      ),
                    ];
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <section class="panel" aria-labelledby="roster-import-title">
        <h2 id="roster-import-title">3. Import</h2>
        {canImport ? (
          <button class="button" type="button" disabled={importing} onClick={apply}>
            {importing ? 'Importing…' : 'Import the roster'}
          </button>
        ) : (
          <p class="meta">The import is offered once the check passes.</p>
        )}
        <Failure error={importFailure} />
        <p class="status" role="status">
          {imported}
        </p>
      </section>
    </>
  );
}

function CheckResult({
  check,
  otherErrors,
  confirmed,
  onConfirm,
}: {
  check: Check;
  otherErrors: ProblemEntry[];
  confirmed: boolean;
  onConfirm: (value: boolean) => void;
}) {
  switch (check.state) {
    case 'none':
      return <p class="meta">Not checked yet: press “Check the file”.</p>;
    case 'checking':
      return (
        <p class="status" role="status">
          Checking the file with the server (nothing is applied)…
        </p>
      );
    case 'failed':
      return <Failure error={check.error} />;
    case 'passed':
      return (
        <p class="success" role="status">
          The file is valid. {countsText(check.counts, true)}
        </p>
      );
    case 'errors':
      return (
        <div class="alert" role="alert">
          <p>{check.detail}</p>
          {otherErrors.length === 0 ? (
            <p>Each error is shown under its row below.</p>
          ) : (
            <ul>
              {otherErrors.map((error, i) => (
                <li key={i}>
                  {error.line === null ? '' : `Line ${error.line}, `}
                  {error.field ?? error.path ?? 'file'}: {error.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      );
    case 'confirm':
      return (
        <div class="warning" role="alert">
          <p>
            This import would deactivate {check.deactivated} of {check.active} active people, more
            than {SHARE}. A file cut short or holding only part of the organization does this.
          </p>
          <label class="choice">
            <input
              type="checkbox"
              checked={confirmed}
              onChange={(event) => {
                onConfirm(event.currentTarget.checked);
              }}
            />{' '}
            Yes, deactivate {check.deactivated} people
          </label>
        </div>
      );
  }
}
