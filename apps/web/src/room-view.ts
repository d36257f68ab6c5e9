import { SCALE } from './answer-view.js';
import { formatMean } from './format.js';
import type { Distribution, RoomQuestionView, RoomRevealed } from './room-contract.js';

/*
 * What the room's two pages (the facilitator's screen and the phones) say about a finding's
 * answers, worked out without touching a page: the withheld count, the revealed distribution,
 * what is still waiting, and the messages for refusals. The rule for what may be shown lives in
 * the API (packages/domain/src/room.ts); these only word what the API sent.
 */

/** The longest text the room's prompt takes, in characters. */
export const ROOM_TEXT_MAX_LENGTH = 2000;

/** "3 answered · results appear at 5": all the room may know before the reveal. */
export function withheldText(view: Pick<RoomQuestionView, 'answered' | 'needed'>): string {
  return `${view.answered.toLocaleString('en')} answered · results appear at ${view.needed.toLocaleString('en')}`;
}

/** "7 answers · mean 3.71" for a revealed distribution. */
export function revealedText(view: Pick<RoomRevealed, 'n' | 'mean'>): string {
  return `${answersText(view.n)} · mean ${formatMean(view.mean)}`;
}

function answersText(n: number): string {
  return `${n.toLocaleString('en')} ${n === 1 ? 'answer' : 'answers'}`;
}

/**
 * Answers not shown yet: the view moves on only once `needed` new answers have arrived, so
 * that no single answer can be read off the change. Null when nothing waits.
 */
export function waitingText(view: Pick<RoomRevealed, 'waiting' | 'needed'>): string | null {
  if (view.waiting <= 0) return null;
  return `${answersText(view.waiting)} not shown yet: the figures update once ${view.needed.toLocaleString('en')} new answers have arrived.`;
}

/** What the prompt's texts wait for, once the distribution is shown; null when they are shown. */
export function textsWaitingText(view: RoomRevealed): string | null {
  if (view.texts.length > 0) return null;
  const written = view.textsAnswered;
  return `The written answers appear once ${view.needed.toLocaleString('en')} people have written one (${written.toLocaleString('en')} so far).`;
}

/** One bar of the distribution: the scale point, its count and its share of the answers. */
export interface DistributionBar {
  value: number;
  label: string;
  count: number;
  /** The count as a share of all answers shown, 0 to 1. */
  share: number;
}

export function distributionBars(distribution: Distribution): DistributionBar[] {
  const total = distribution.reduce((sum, c) => sum + c, 0);
  return SCALE.map((point, index) => {
    const c = distribution[index] ?? 0;
    return { value: point.value, label: point.label, count: c, share: total === 0 ? 0 : c / total };
  });
}

/** "Finding 2 of 3". */
export function positionText(position: number, count: number): string {
  return `Finding ${position.toLocaleString('en')} of ${count.toLocaleString('en')}`;
}

/** "1 phone joined", "12 phones joined"; with the room's headcount, "6 of 8 phones joined". */
export function participantsText(participants: number, capacity: number | null = null): string {
  const phones = (n: number) => (n === 1 ? 'phone' : 'phones');
  if (capacity === null) {
    return `${participants.toLocaleString('en')} ${phones(participants)} joined`;
  }
  return `${participants.toLocaleString('en')} of ${capacity.toLocaleString('en')} ${phones(capacity)} joined`;
}

/**
 * A sentence that states what the room's mean says next to the pulse's two means: whether
 * the room sides with leadership or with the frontline (closer to one of them), or sits between.
 */
export function roomHeadline(
  roomMean: number,
  leadershipMean: number | null,
  frontlineMean: number | null,
): string {
  const room = `The room’s mean is ${formatMean(roomMean)}`;
  if (leadershipMean === null || frontlineMean === null) return `${room}.`;
  const toLeadership = Math.abs(roomMean - leadershipMean);
  const toFrontline = Math.abs(roomMean - frontlineMean);
  const means = `leadership ${formatMean(leadershipMean)}, frontline ${formatMean(frontlineMean)}`;
  if (Math.abs(toLeadership - toFrontline) < 0.005) {
    return `${room}, halfway between the pulse’s two means (${means}).`;
  }
  const [closer, farther] =
    toLeadership < toFrontline
      ? ['leadership’s', 'the frontline’s']
      : ['the frontline’s', 'leadership’s'];
  return `${room}, closer to ${closer} than to ${farther} (${means}).`;
}

/** A room code as people type it: letters and digits, case and spaces ignored. */
export function normalizeCode(text: string): string {
  return text.replace(/[\s-]+/g, '').toUpperCase();
}

/** The code of the phone page's address `/room/<code>`; null at `/room` or `/room.html`. */
export function codeFromPath(pathname: string): string | null {
  const parts = pathname.split('/').filter((part) => part !== '');
  if (parts.length !== 2 || parts[0] !== 'room') return null;
  let code: string;
  try {
    code = decodeURIComponent(parts[1] ?? '');
  } catch {
    return null;
  }
  const normalized = normalizeCode(code);
  return normalized === '' ? null : normalized;
}

/** Why joining or answering was refused, in words for the person holding the phone. */
export type Refusal = 'unknown' | 'closed' | 'answered' | 'full' | 'forgotten' | 'busy' | 'invalid';

/** The code of the API's problem when a room takes no more phones. */
export const ROOM_FULL_CODE = 'PG_ERR_ROOM_FULL';

/**
 * The refusal an API status (and, for a 409, its problem's code) stands for; null for anything
 * else (shown as the API said it).
 */
export function refusalOf(status: number, code: string | null = null): Refusal | null {
  if (status === 409 && code === ROOM_FULL_CODE) return 'full';
  switch (status) {
    case 400:
      return 'invalid';
    case 403:
      return 'forgotten';
    case 404:
      return 'unknown';
    case 409:
      return 'answered';
    case 410:
      return 'closed';
    case 429:
      return 'busy';
    default:
      return null;
  }
}

/** Seconds from a `Retry-After` value (seconds or an HTTP date); null when unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function refusalText(refusal: Refusal, retryAfter: number | null = null): string {
  switch (refusal) {
    case 'unknown':
      return 'There is no open room with this code. Check the code on the screen and try again.';
    case 'closed':
      return 'This session has closed. Thank you for taking part.';
    case 'answered':
      return 'You have already answered this finding. Each phone answers once, so every voice counts the same.';
    case 'full':
      return 'The room is full: as many phones have joined as there are people here. If you have not joined yet, tell the facilitator.';
    case 'forgotten':
      return 'This room no longer recognizes this phone. Join again with the code on the screen.';
    case 'busy':
      return retryAfter === null
        ? 'Too many attempts from this network. Wait a minute, then try again.'
        : `Too many attempts from this network. Try again in ${retryAfter.toLocaleString('en')} ${retryAfter === 1 ? 'second' : 'seconds'}.`;
    case 'invalid':
      return 'That was not accepted. Choose one of the five answers and keep the text under 2,000 characters.';
  }
}

/** Wait before reconnecting a dropped stream: 1 s, 2 s, 4 s … up to 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}
