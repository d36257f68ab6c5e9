import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ContractError, type ProblemError } from '../http.js';
import { api } from '../app/session-state.js';
import { session as signedIn } from '../app/session-state.js';
import { fieldErrors, parseTeams } from '../app/hr-contract.js';
import { Failure, FieldError, formText, Loading, useLoad, ViewHeader } from '../app/ui.js';
import { parsePriorities } from '../contract.js';
import { ChartFigure } from '../dashboard/chart-figure.js';
import { NewDecision } from '../dashboard/decisions.js';
import { parseDecisions } from '../dashboard/decisions-contract.js';
import { paths } from '../dashboard/query.js';
import { formatInterval } from '../dashboard/numbers.js';
import { formatGap, formatMean } from '../format.js';
import {
  parseSession,
  type RoomRevealed,
  type Session,
  type SessionQuestion,
} from '../room-contract.js';
import {
  distributionBars,
  participantsText,
  positionText,
  revealedText,
  roomHeadline,
  textsWaitingText,
  waitingText,
  withheldText,
  type DistributionBar,
} from '../room-view.js';
import { QrCode } from './qr-code.js';
import { drawRoomChart } from './room-chart.js';
import { followEventStream, type StreamState } from './stream.js';
import '../dashboard/dashboard.css';
import './room.css';

const sessionPath = (id: string): string => `/sessions/${encodeURIComponent(id)}`;

/** The session as the stream last sent it, and how the stream is doing. */
function useLiveSession(sessionId: string) {
  const [session, setSession] = useState<Session | null>(null);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [refused, setRefused] = useState<ProblemError | ContractError | null>(null);
  useEffect(() => {
    const token = signedIn.value?.token;
    if (token === undefined) return undefined;
    const controller = new AbortController();
    let closed = false;
    followEventStream({
      path: `${sessionPath(sessionId)}/events`,
      token,
      event: 'session',
      signal: controller.signal,
      onData: (data) => {
        try {
          const next = parseSession(JSON.parse(data));
          closed = next.closedAt !== null;
          setSession(next);
          setStream('live');
        } catch {
          const error = new ContractError('session event');
          console.error(error);
          setRefused(error);
        }
      },
      onState: setStream,
      onRefused: setRefused,
      shouldReconnect: () => !closed,
    }).catch((error: unknown) => {
      console.error(error);
    });
    return () => {
      controller.abort();
    };
  }, [sessionId]);
  return { session, setSession, stream, refused };
}

/**
 * The facilitator's screen of a live session, made for a projector: the join code, link and QR
 * code; the finding the room is on, with the pulse's figures; and the room's answers, withheld
 * until enough people answered. Everything follows the session's event stream.
 */
export function RoomScreen({ sessionId }: { sessionId: string }) {
  const { session, setSession, stream, refused } = useLiveSession(sessionId);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmClose, setConfirmClose] = useState(false);
  // The focus follows the confirmation: onto it when it opens, back when it is dismissed.
  const closeButton = useRef<HTMLButtonElement>(null);
  const keepOpenButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (confirmClose) keepOpenButton.current?.focus();
    else if (asked.current) closeButton.current?.focus();
    asked.current = confirmClose;
  }, [confirmClose]);

  if (refused !== null && session === null) {
    return (
      <div class="room-screen">
        <ViewHeader title="Live room" />
        <Failure error={refused} />
      </div>
    );
  }
  if (session === null) {
    return (
      <div class="room-screen">
        <ViewHeader title="Live room" />
        <Loading what="Opening the live session…" />
      </div>
    );
  }

  const act = (path: string, body: unknown): void => {
    setBusy(true);
    setFailure(null);
    api(path, parseSession, { method: 'POST', body })
      .then((next) => {
        setSession(next);
      })
      .catch(setFailure)
      .finally(() => {
        setBusy(false);
      });
  };

  const index = session.questions.findIndex((q) => q.id === session.currentQuestionId);
  const current = session.questions[index];
  const previous = index > 0 ? session.questions[index - 1] : undefined;
  const next = index >= 0 ? session.questions[index + 1] : undefined;
  const closed = session.closedAt !== null;
  const joinUrl = `${window.location.origin}${session.joinPath}`;

  return (
    <div class="room-screen" data-session={session.id} data-closed={String(closed)}>
      <ViewHeader title="Live room" />
      <div class="room-screen__grid">
        <section class="room-join" aria-labelledby="room-join-title">
          <div class="room-join__text">
            <h2 id="room-join-title">
              {closed ? 'This session has closed' : 'Join on your phone'}
            </h2>
            <p class="room-join__code">
              <span class="room-join__code-label">Code</span>{' '}
              <span id="room-code" class="room-join__code-value">
                {session.code}
              </span>
            </p>
            {closed ? null : (
              <p class="room-join__url">
                <a href={joinUrl}>{joinUrl}</a>
              </p>
            )}
            <p id="room-participants" class="room-join__count" aria-live="polite">
              {participantsText(session.participants, session.capacity)}
            </p>
            <p class="room-join__anonymity">
              Answers are anonymous. Nothing of them shows until {session.threshold} people have
              answered.
            </p>
          </div>
          {closed ? null : <QrCode text={joinUrl} label={`QR code of the join link ${joinUrl}`} />}
        </section>
        {current === undefined ? (
          <section class="room-finding" aria-labelledby="room-finding-title">
            <h2 id="room-finding-title">No finding is on the screen</h2>
          </section>
        ) : (
          <Finding
            question={current}
            position={index + 1}
            count={session.questions.length}
            prompt={session.prompt}
          />
        )}
      </div>
      <div class="room-controls">
        {closed ? (
          <p class="room-controls__closed" role="status">
            The session is closed: phones can no longer join or answer.
          </p>
        ) : (
          <>
            <div class="actions">
              <button
                type="button"
                class="button button--quiet"
                disabled={busy || previous === undefined}
                onClick={() => {
                  if (previous !== undefined) {
                    act(`${sessionPath(session.id)}/current`, { questionId: previous.id });
                  }
                }}
              >
                Previous finding
              </button>
              <button
                type="button"
                class="button"
                disabled={busy || next === undefined}
                onClick={() => {
                  if (next !== undefined) {
                    act(`${sessionPath(session.id)}/current`, { questionId: next.id });
                  }
                }}
              >
                Next finding
              </button>
              {confirmClose ? null : (
                <button
                  ref={closeButton}
                  type="button"
                  class="button button--quiet room-controls__close"
                  disabled={busy}
                  onClick={() => {
                    setConfirmClose(true);
                  }}
                >
                  Close session
                </button>
              )}
            </div>
            {confirmClose ? (
              <div class="room-controls__confirm" role="group" aria-labelledby="room-close-title">
                <p id="room-close-title">
                  Close the session? Phones can no longer join or answer, and it cannot be opened
                  again.
                </p>
                <div class="actions">
                  <button
                    type="button"
                    class="button button--danger"
                    disabled={busy}
                    onClick={() => {
                      setConfirmClose(false);
                      act(`${sessionPath(session.id)}/close`, {});
                    }}
                  >
                    Yes, close the session
                  </button>
                  <button
                    ref={keepOpenButton}
                    type="button"
                    class="button button--quiet"
                    onClick={() => {
                      setConfirmClose(false);
                    }}
                  >
                    Keep it open
                  </button>
                </div>
              </div>
            ) : null}
          </>
        )}
        {closed ? null : <Headcount session={session} onSaved={setSession} />}
        <Failure error={failure} />
        <p class="room-controls__live meta" data-stream={stream}>
          {stream === 'live' || closed
            ? ''
            : stream === 'connecting'
              ? 'Connecting…'
              : 'The live connection dropped; reconnecting…'}
        </p>
      </div>
      <SessionDecisions sessionId={session.id} priorityId={current?.priorityId ?? ''} />
    </div>
  );
}

/**
 * How many people are in the room. A phone is not a person: one person joining several
 * times could answer for the people they stand in for and read the next answer out of the
 * first reveal. Told the headcount, the room takes no more phones, so someone present who
 * cannot join shows that a phone too many is in.
 */
function Headcount({ session, onSaved }: { session: Session; onSaved: (s: Session) => void }) {
  const [failure, setFailure] = useState<unknown>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const text = formText(new FormData(event.currentTarget as HTMLFormElement), 'capacity');
    setBusy(true);
    setFailure(null);
    setError(undefined);
    api(sessionPath(session.id), parseSession, {
      method: 'PATCH',
      body: { capacity: text.trim() === '' ? null : Number(text) },
    })
      .then(onSaved)
      .catch((caught: unknown) => {
        setFailure(caught);
        setError(fieldErrors(caught).get('capacity'));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <form class="room-headcount" onSubmit={submit} noValidate>
      <div class="field field--inline">
        <label for="room-capacity">People in the room</label>
        <input
          id="room-capacity"
          name="capacity"
          type="number"
          inputMode="numeric"
          min={Math.max(session.threshold, session.participants)}
          max={1000}
          key={session.capacity ?? 'none'}
          defaultValue={session.capacity === null ? '' : String(session.capacity)}
          aria-invalid={error === undefined ? undefined : 'true'}
          aria-describedby={`room-capacity-hint${error === undefined ? '' : ' room-capacity-error'}`}
        />
        <FieldError id="room-capacity-error" message={error} />
      </div>
      <button type="submit" class="button button--quiet" disabled={busy}>
        {busy ? 'Saving…' : 'Set'}
      </button>
      <p id="room-capacity-hint" class="meta">
        No more phones join than people are here, so no one can answer in someone else’s place.
        Leave it empty for no limit.
      </p>
      {error === undefined ? <Failure error={failure} /> : null}
    </form>
  );
}

/**
 * What the room decided: the decisions recorded from this session, and the form that records
 * one (named after the session, starting at the priority of the finding on the screen). They
 * join the organization's decision log, whose later runs ask whether they hold.
 */
function SessionDecisions({ sessionId, priorityId }: { sessionId: string; priorityId: string }) {
  const [loaded, reload] = useLoad(
    (signal) =>
      Promise.all([
        api(paths.decisions, parseDecisions, { signal }),
        api(paths.priorities, parsePriorities, { signal }),
        api(paths.teams, parseTeams, { signal }),
      ]),
    [],
  );
  if (loaded.state === 'loading') return <Loading what="Loading the decision log…" />;
  if (loaded.state === 'failed') return <Failure error={loaded.error} />;
  const [decisions, priorities, teams] = loaded.value;
  const recorded = decisions.filter((d) => d.sessionId === sessionId);
  return (
    <section class="room-decisions" aria-labelledby="room-decisions-title">
      <h2 id="room-decisions-title">Decisions of this session</h2>
      {recorded.length === 0 ? (
        <p class="empty">None recorded yet.</p>
      ) : (
        <ul class="room-decisions__list" aria-label="Decisions of this session">
          {recorded.map((d) => (
            <li key={d.id}>
              <strong>{d.title}</strong> · {d.priorityTitle} · {d.teamName}. Stops or slows:{' '}
              {d.tradeoff}. Review on {d.reviewOn}.
            </li>
          ))}
        </ul>
      )}
      <NewDecision
        priorities={priorities}
        teams={teams}
        onCreated={reload}
        sessionId={sessionId}
        priorityId={priorityId}
      />
    </section>
  );
}

/** The finding on the screen: its statement, the pulse's figures and the room's answers. */
function Finding({
  question,
  position,
  count,
  prompt,
}: {
  question: SessionQuestion;
  position: number;
  count: number;
  prompt: string;
}) {
  const { figures, room } = question;
  return (
    <section
      class="room-finding"
      aria-labelledby="room-finding-title"
      data-question={question.id}
      data-revealed={String(room.revealed)}
    >
      <p class="room-finding__where">
        {positionText(position, count)} · {question.title}, {question.dimension}
      </p>
      <h2 id="room-finding-title" class="room-finding__statement">
        {question.statement}
      </h2>
      <dl class="room-figures" aria-label="The pulse’s figures">
        <div>
          <dt>Leadership mean</dt>
          <dd>{formatMean(figures.leadershipMean)}</dd>
        </div>
        <div>
          <dt>Frontline mean</dt>
          <dd>{formatMean(figures.frontlineMean)}</dd>
        </div>
        <div>
          <dt>Gap</dt>
          <dd>
            {formatGap(figures.gap)}
            <span class="room-figures__ci">95% interval {formatInterval(figures.ci95)}</span>
          </dd>
        </div>
      </dl>
      {room.revealed ? (
        <Revealed
          room={room}
          leadershipMean={figures.leadershipMean}
          frontlineMean={figures.frontlineMean}
          prompt={prompt}
        />
      ) : (
        <div class="room-answers room-answers--withheld">
          <p id="room-withheld" class="room-answers__withheld" aria-live="polite">
            {withheldText(room)}
          </p>
          <p class="meta">
            The distribution, the mean and the written answers appear together once {room.needed}{' '}
            people have answered.
          </p>
        </div>
      )}
    </section>
  );
}

function Revealed({
  room,
  leadershipMean,
  frontlineMean,
  prompt,
}: {
  room: RoomRevealed;
  leadershipMean: number | null;
  frontlineMean: number | null;
  prompt: string;
}) {
  const key = room.distribution.join(',');
  const bars = useMemo(() => distributionBars(room.distribution), [key]);
  const waiting = waitingText(room);
  const textsWaiting = textsWaitingText(room);
  return (
    <div class="room-answers room-answers--revealed">
      <p id="room-summary" class="room-answers__summary" aria-live="polite">
        {revealedText(room)}
      </p>
      <dl class="room-figures room-figures--means" aria-label="The room’s mean beside the pulse’s">
        <div class="room-figures__room">
          <dt>Room mean</dt>
          <dd id="room-mean">{formatMean(room.mean)}</dd>
        </div>
        <div>
          <dt>Leadership mean</dt>
          <dd>{formatMean(leadershipMean)}</dd>
        </div>
        <div>
          <dt>Frontline mean</dt>
          <dd>{formatMean(frontlineMean)}</dd>
        </div>
      </dl>
      <ChartFigure<DistributionBar[]>
        id="room-chart"
        title={roomHeadline(room.mean, leadershipMean, frontlineMean)}
        howToRead={`How many of the ${room.n} people who answered chose each point of the scale.`}
        height={280}
        view={bars}
        draw={drawRoomChart}
        table={
          <table class="data-table">
            <caption>The room’s answers</caption>
            <thead>
              <tr>
                <th scope="col">Answer</th>
                <th scope="col" class="num">
                  People
                </th>
              </tr>
            </thead>
            <tbody>
              {bars.map((bar) => (
                <tr key={bar.value}>
                  <th scope="row">
                    {bar.value} · {bar.label}
                  </th>
                  <td class="num">{bar.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
      {waiting === null ? null : <p class="meta">{waiting}</p>}
      <section class="room-texts" aria-labelledby="room-texts-title">
        <h3 id="room-texts-title">{prompt}</h3>
        {textsWaiting === null ? (
          <ul id="room-texts" class="room-texts__list">
            {room.texts.map((text, i) => (
              <li key={`${i}-${text}`}>{text}</li>
            ))}
          </ul>
        ) : (
          <p class="meta">{textsWaiting}</p>
        )}
      </section>
    </div>
  );
}
