import { SCALE } from './answer-view.js';
import { characterCountText } from './answer-view.js';
import { API_BASE, ContractError, describeFailure, ProblemError, readProblem } from './http.js';
import {
  parseAnswered,
  parseJoin,
  parseRoom,
  type Room,
  type RoomCurrent,
} from './room-contract.js';
import {
  codeFromPath,
  distributionBars,
  normalizeCode,
  positionText,
  reconnectDelay,
  refusalOf,
  refusalText,
  retryAfterSeconds,
  revealedText,
  ROOM_TEXT_MAX_LENGTH,
  textsWaitingText,
  waitingText,
  withheldText,
  type Refusal,
} from './room-view.js';

// The phone page of a live room, at `/room/<code>` (or `/room`, which asks for the code). No
// account: joining gives this tab a random participant token, kept in sessionStorage (this tab
// only, gone when it closes) so that a reload neither joins twice nor loses the place. Nothing
// else is stored: not the answers, not which findings were answered.

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

const page = {
  main: byId('main', HTMLElement),
  badge: byId('room-badge', HTMLSpanElement),
  status: byId('status', HTMLParagraphElement),
  notice: byId('notice', HTMLElement),
  noticeTitle: byId('notice-title', HTMLHeadingElement),
  noticeText: byId('notice-text', HTMLParagraphElement),
  joinForm: byId('join-form', HTMLFormElement),
  joinTitle: byId('join-title', HTMLHeadingElement),
  joinAlert: byId('join-alert', HTMLDivElement),
  code: byId('code', HTMLInputElement),
  join: byId('join', HTMLButtonElement),
  waiting: byId('waiting', HTMLParagraphElement),
  answerForm: byId('answer-form', HTMLFormElement),
  position: byId('position', HTMLHeadingElement),
  statement: byId('statement', HTMLLegendElement),
  scale: byId('scale', HTMLDivElement),
  promptLabel: byId('prompt-label', HTMLLabelElement),
  text: byId('text', HTMLTextAreaElement),
  textCount: byId('text-count', HTMLParagraphElement),
  answerAlert: byId('answer-alert', HTMLDivElement),
  send: byId('send', HTMLButtonElement),
  thanks: byId('thanks', HTMLElement),
  thanksTitle: byId('thanks-title', HTMLHeadingElement),
  thanksAlert: byId('thanks-alert', HTMLDivElement),
  thanksPosition: byId('thanks-position', HTMLParagraphElement),
  thanksStatement: byId('thanks-statement', HTMLParagraphElement),
  result: byId('result', HTMLDivElement),
};

/** The participant token of this tab for a room: the only thing the page stores. */
const tokens = {
  key: (code: string) => `pulsegap.room.${code}`,
  read(code: string): string | null {
    try {
      return sessionStorage.getItem(this.key(code));
    } catch {
      return null;
    }
  },
  write(code: string, token: string): void {
    try {
      sessionStorage.setItem(this.key(code), token);
    } catch {
      // A browser that keeps nothing: the token lives as long as the page.
    }
  },
  forget(code: string): void {
    try {
      sessionStorage.removeItem(this.key(code));
    } catch {
      // Nothing was kept.
    }
  },
};

/** A refusal the API answered with, with the wait it asked for (429). */
class Refused extends Error {
  constructor(
    readonly refusal: Refusal,
    readonly problem: ProblemError,
    readonly retryAfter: number | null,
  ) {
    super(refusalText(refusal, retryAfter));
    this.name = 'Refused';
  }
}

async function call<T>(path: string, parse: (body: unknown) => T, body?: unknown): Promise<T> {
  const init: RequestInit = { method: body === undefined ? 'GET' : 'POST', cache: 'no-store' };
  init.headers = { Accept: 'application/json' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${API_BASE}${path}`, init);
  if (!response.ok) {
    const problem = await readProblem(response);
    const body = problem.body as { code?: unknown } | null;
    const refusal = refusalOf(response.status, typeof body?.code === 'string' ? body.code : null);
    if (refusal === null) throw problem;
    throw new Refused(refusal, problem, retryAfterSeconds(response.headers.get('retry-after')));
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw new ContractError(path);
  }
  return parse(parsed);
}

const roomPath = (code: string): string => `/room/${encodeURIComponent(code)}`;

function failureText(error: unknown): string {
  if (error instanceof Refused) return error.message;
  if (error instanceof ContractError) console.error(error);
  return describeFailure(error);
}

/** Shows one part of the page and hides the others. */
function showOnly(part: HTMLElement | null): void {
  for (const element of [page.notice, page.joinForm, page.waiting, page.answerForm, page.thanks]) {
    element.hidden = element !== part;
  }
  page.status.textContent = '';
}

function showNotice(title: string, text: string): void {
  page.noticeTitle.textContent = title;
  page.noticeText.textContent = text;
  showOnly(page.notice);
  document.title = `${title} · Pulsegap`;
  page.noticeTitle.focus();
}

function showJoinForm(code: string | null, message: string | null): void {
  if (code !== null) page.code.value = code;
  page.joinAlert.textContent = message ?? '';
  page.join.disabled = false;
  showOnly(page.joinForm);
  document.title = 'Join the room · Pulsegap';
  if (message !== null) page.code.focus();
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The five answers as large radio buttons: one group, arrow keys move between them. */
function renderScale(): void {
  page.scale.replaceChildren(
    ...SCALE.map((point) => {
      const option = element('label', 'room-scale__option');
      const input = element('input', 'room-scale__input');
      input.type = 'radio';
      input.name = 'value';
      input.value = String(point.value);
      input.required = true;
      const face = element('span', 'room-scale__face');
      face.append(
        element('span', 'room-scale__value', String(point.value)),
        element('span', 'room-scale__label', point.label),
      );
      option.append(input, face);
      return option;
    }),
  );
}

/** What the room shows of the current finding: the count, or the answers once revealed. */
function renderResult(current: RoomCurrent, prompt: string): void {
  const view = current.room;
  page.result.dataset.state = view.revealed ? 'revealed' : 'withheld';
  if (!view.revealed) {
    page.result.replaceChildren(element('p', 'room-result__count', withheldText(view)));
    return;
  }
  const parts: HTMLElement[] = [element('p', 'room-result__count', revealedText(view))];
  const list = element('ul', 'room-bars');
  list.setAttribute('aria-label', 'Answers per point of the scale');
  for (const bar of distributionBars(view.distribution)) {
    const item = element('li', 'room-bars__item');
    const label = element('span', 'room-bars__label', `${bar.value} · ${bar.label}`);
    const track = element('span', 'room-bars__track');
    track.setAttribute('aria-hidden', 'true');
    const fill = element('span', 'room-bars__fill');
    fill.style.width = `${(bar.share * 100).toFixed(1)}%`;
    track.append(fill);
    const count = element('span', 'room-bars__count', String(bar.count));
    count.setAttribute('aria-label', `${bar.count} ${bar.count === 1 ? 'person' : 'people'}`);
    item.append(label, track, count);
    list.append(item);
  }
  parts.push(list);
  const waiting = waitingText(view);
  if (waiting !== null) parts.push(element('p', 'note', waiting));
  parts.push(element('h3', 'room-result__prompt', prompt));
  const textsWaiting = textsWaitingText(view);
  if (textsWaiting === null) {
    const texts = element('ul', 'room-texts');
    for (const text of view.texts) texts.append(element('li', '', text));
    parts.push(texts);
  } else {
    parts.push(element('p', 'note', textsWaiting));
  }
  page.result.replaceChildren(...parts);
}

/** The room this tab has joined. */
let participant: Participant | null = null;

/** One room, followed live once joined. */
class Participant {
  private room: Room | null = null;
  /** Findings this tab answered (or was told it had), in memory only. */
  private readonly answered = new Set<string>();
  private shownQuestion: string | null = null;
  private events: EventSource | null = null;
  private attempt = 0;
  private sending = false;

  constructor(
    readonly code: string,
    private token: string,
  ) {}

  start(room: Room): void {
    page.badge.textContent = `Room ${this.code}`;
    page.badge.hidden = false;
    this.update(room);
    this.follow();
  }

  /** Follows the room's events; a stream the server ended for good is checked, then retried. */
  private follow(): void {
    if (this.room?.closed === true) return;
    const events = new EventSource(`${API_BASE}${roomPath(this.code)}/events`);
    this.events = events;
    events.addEventListener('room', (event) => {
      this.attempt = 0;
      try {
        this.update(parseRoom(JSON.parse((event as MessageEvent<string>).data)));
      } catch (error) {
        console.error(error);
      }
    });
    events.addEventListener('error', () => {
      // The browser reconnects by itself unless the server refused the stream.
      if (events.readyState !== EventSource.CLOSED) return;
      this.events = null;
      this.recheck();
    });
  }

  private recheck(): void {
    call(roomPath(this.code), parseRoom)
      .then((room) => {
        this.update(room);
        this.retryLater();
      })
      .catch((error: unknown) => {
        if (
          error instanceof Refused &&
          (error.refusal === 'closed' || error.refusal === 'unknown')
        ) {
          this.closed();
          return;
        }
        this.retryLater();
      });
  }

  private retryLater(): void {
    if (this.room?.closed === true) return;
    const wait = reconnectDelay(this.attempt);
    this.attempt += 1;
    setTimeout(() => {
      this.follow();
    }, wait);
  }

  private closed(): void {
    this.events?.close();
    this.events = null;
    tokens.forget(this.code);
    page.badge.hidden = true;
    showNotice('This session has closed', refusalText('closed'));
  }

  private update(room: Room): void {
    this.room = room;
    if (room.closed) {
      this.closed();
      return;
    }
    const current = room.current;
    if (current === null) {
      this.shownQuestion = null;
      showOnly(page.waiting);
      return;
    }
    if (this.answered.has(current.id)) {
      const moved = page.thanks.hidden || this.shownQuestion !== current.id;
      this.shownQuestion = current.id;
      page.thanksPosition.textContent = positionText(current.position, current.count);
      page.thanksStatement.textContent = current.statement;
      renderResult(current, room.prompt);
      if (moved) {
        showOnly(page.thanks);
        document.title = 'Thank you · Pulsegap';
        page.thanksTitle.focus();
      }
      return;
    }
    if (this.shownQuestion === current.id && !page.answerForm.hidden) return;
    // A new finding: a fresh form, and the focus on where it starts when one was shown before.
    const moved = this.shownQuestion !== null;
    this.shownQuestion = current.id;
    page.position.textContent = positionText(current.position, current.count);
    page.statement.textContent = current.statement;
    page.promptLabel.textContent = room.prompt;
    renderScale();
    page.text.value = '';
    page.textCount.textContent = characterCountText(0, ROOM_TEXT_MAX_LENGTH);
    page.answerAlert.textContent = '';
    page.thanksAlert.textContent = '';
    page.send.disabled = false;
    showOnly(page.answerForm);
    document.title = `${positionText(current.position, current.count)} · Pulsegap`;
    if (moved) page.position.focus();
  }

  send(): void {
    const current = this.room?.current;
    if (this.sending || current === null || current === undefined) return;
    const value = Number(new FormData(page.answerForm).get('value'));
    if (!Number.isInteger(value) || value < 1 || value > 5) {
      page.answerAlert.textContent = 'Choose one of the five answers first.';
      page.scale.querySelector('input')?.focus();
      return;
    }
    const text = page.text.value.trim();
    this.sending = true;
    page.send.disabled = true;
    page.answerAlert.textContent = '';
    call(`${roomPath(this.code)}/answers`, parseAnswered, {
      participant: this.token,
      questionId: current.id,
      value,
      ...(text === '' ? {} : { text }),
    })
      .then((room) => {
        this.answered.add(current.id);
        page.thanksAlert.textContent = '';
        this.update(room);
      })
      .catch((error: unknown) => {
        if (error instanceof Refused) {
          switch (error.refusal) {
            case 'answered':
              this.answered.add(current.id);
              if (this.room !== null) this.update(this.room);
              page.thanksAlert.textContent = error.message;
              return;
            case 'closed':
              this.closed();
              return;
            case 'forgotten':
              this.events?.close();
              participant = null;
              tokens.forget(this.code);
              showJoinForm(this.code, error.message);
              return;
            case 'busy':
            case 'full':
            case 'invalid':
            case 'unknown':
              break;
          }
        }
        page.answerAlert.textContent = failureText(error);
        page.send.disabled = false;
      })
      .finally(() => {
        this.sending = false;
      });
  }
}

async function join(code: string): Promise<void> {
  page.joinAlert.textContent = '';
  page.join.disabled = true;
  page.status.textContent = 'Joining…';
  try {
    const joined = await call(`${roomPath(code)}/join`, parseJoin, {});
    tokens.write(code, joined.participant);
    if (codeFromPath(window.location.pathname) !== code) {
      // The address names the room, so a reload comes back to it.
      window.history.replaceState(null, '', `/room/${encodeURIComponent(code)}`);
    }
    participant = new Participant(code, joined.participant);
    participant.start(joined.room);
  } catch (error) {
    if (error instanceof Refused && error.refusal === 'closed') {
      showNotice('This session has closed', error.message);
      return;
    }
    // A code of the wrong shape (400) is as unknown as one of the right shape (404).
    showJoinForm(
      code,
      error instanceof Refused && error.refusal === 'invalid'
        ? refusalText('unknown')
        : failureText(error),
    );
  }
}

/** Back in a tab that joined: the stored token, the room as it is now. */
async function resume(code: string, token: string): Promise<void> {
  try {
    const room = await call(roomPath(code), parseRoom);
    participant = new Participant(code, token);
    participant.start(room);
  } catch (error) {
    if (error instanceof Refused && (error.refusal === 'closed' || error.refusal === 'unknown')) {
      tokens.forget(code);
      if (error.refusal === 'closed') showNotice('This session has closed', error.message);
      else showJoinForm(code, error.message);
      return;
    }
    showNotice('The room could not be opened', failureText(error));
  }
}

page.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const code = normalizeCode(page.code.value);
  if (code === '') {
    page.joinAlert.textContent = 'Type the code shown on the screen.';
    page.code.focus();
    return;
  }
  void join(code);
});
page.answerForm.addEventListener('submit', (event) => {
  event.preventDefault();
  participant?.send();
});
page.text.addEventListener('input', () => {
  page.textCount.textContent = characterCountText(page.text.value.length, ROOM_TEXT_MAX_LENGTH);
});

const code = codeFromPath(window.location.pathname);
if (code === null) {
  showJoinForm(null, null);
} else {
  const token = tokens.read(code);
  void (token === null ? join(code) : resume(code, token));
}
