import { useState } from 'preact/hooks';
import { downloadFile } from '../api.js';
import { session } from '../app/session-state.js';
import { Failure } from '../app/ui.js';
import type { SectionProps } from './section.js';
import { OpenSession } from './open-session.js';
import { formatRunDates } from './trend-view.js';

type Download = 'brief' | 'figures';

const DOWNLOADS: Record<Download, { label: string; path: string; file: string }> = {
  brief: { label: 'Download the brief (Markdown)', path: 'brief?format=md', file: 'brief' },
  figures: { label: 'Download the figures (CSV)', path: 'export.csv', file: 'run' },
};

/**
 * The facilitation brief of the run, as a page that prints as a handout (see the print block
 * of dashboard.css), with the brief and the run's figures to download.
 */
export function BriefSection({ run, report, priorities }: SectionProps) {
  const { brief } = report;
  const [busy, setBusy] = useState<Download | null>(null);
  const [error, setError] = useState<unknown>(null);

  const download = (which: Download): void => {
    const signedIn = session.value;
    if (signedIn === null) return;
    const { path, file } = DOWNLOADS[which];
    const extension = which === 'brief' ? 'md' : 'csv';
    setBusy(which);
    setError(null);
    downloadFile(
      `/runs/${encodeURIComponent(run.id)}/${path}`,
      signedIn.token,
      `${file}-${run.id}.${extension}`,
    ).then(
      () => {
        setBusy(null);
      },
      (failure: unknown) => {
        setBusy(null);
        setError(failure);
      },
    );
  };

  return (
    <div class="section-body brief" data-ready="true">
      <div class="brief__actions">
        {(Object.keys(DOWNLOADS) as Download[]).map((which) => (
          <button
            key={which}
            type="button"
            class="button"
            disabled={busy !== null}
            aria-busy={busy === which}
            onClick={() => {
              download(which);
            }}
          >
            {DOWNLOADS[which].label}
          </button>
        ))}
        <button
          type="button"
          class="button button--quiet"
          onClick={() => {
            window.print();
          }}
        >
          Print the brief
        </button>
      </div>
      <Failure error={error} />
      <OpenSession run={run} report={report} priorities={priorities} />
      <article class="brief__sheet" aria-labelledby="brief-title">
        <header class="brief__header">
          <h3 id="brief-title">Facilitation brief: {brief.pulseTitle}</h3>
          <p class="brief__meta">
            The run of {formatRunDates(run.openedAt, run.closedAt ?? run.closesAt)} ·{' '}
            {brief.responses} {brief.responses === 1 ? 'response' : 'responses'}
          </p>
        </header>
        <section aria-labelledby="brief-findings">
          <h4 id="brief-findings">What the figures say</h4>
          {brief.findings.length === 0 ? (
            <p>
              No gap or collision in this run is significant, so the brief has no finding to
              discuss.
            </p>
          ) : (
            <ol class="brief__findings">
              {brief.findings.map((finding, index) => (
                <li key={index} class="brief__finding">
                  <h5>{finding.title}</h5>
                  <p>{finding.text}</p>
                </li>
              ))}
            </ol>
          )}
        </section>
        {brief.blindSpot === null ? null : (
          <section aria-labelledby="brief-blind-spot">
            <h4 id="brief-blind-spot">Leadership’s blind spot</h4>
            <p>{brief.blindSpot}</p>
          </section>
        )}
        {brief.relitigated.length === 0 ? null : (
          <section aria-labelledby="brief-relitigated">
            <h4 id="brief-relitigated">Decisions being relitigated</h4>
            <ul class="brief__questions">
              {brief.relitigated.map((item) => (
                <li key={item.decisionId}>
                  {item.sentence} {item.question}
                </li>
              ))}
            </ul>
          </section>
        )}
        {brief.easyAgreements.length === 0 ? null : (
          <section aria-labelledby="brief-easy-agreement">
            <h4 id="brief-easy-agreement">Agreement that came too easily</h4>
            <ul class="brief__questions">
              {brief.easyAgreements.map((item) => (
                <li key={`${item.priorityId}/${item.dimension}`}>{item.question}</li>
              ))}
            </ul>
          </section>
        )}
        {brief.questions.length === 0 ? null : (
          <section aria-labelledby="brief-questions">
            <h4 id="brief-questions">Questions for the room</h4>
            <ol class="brief__questions">
              {brief.questions.map((question, index) => (
                <li key={index}>{question.text}</li>
              ))}
            </ol>
          </section>
        )}
        {brief.notes.length === 0 ? null : (
          <section aria-labelledby="brief-notes">
            <h4 id="brief-notes">Notes</h4>
            <ul class="brief__notes">
              {brief.notes.map((note, index) => (
                <li key={index}>{note}</li>
              ))}
            </ul>
          </section>
        )}
      </article>
    </div>
  );
}
