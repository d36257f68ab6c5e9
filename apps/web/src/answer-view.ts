import type { Invitation, Question, Segment } from './invitation.js';

/*
 * What the answer page shows, worked out from the invitation without touching the page: the
 * questions grouped by priority, and the sentences about progress, segment and key.
 */

/** The 1–5 scale every statement is answered on (PRODUCT.md §4). */
export const SCALE = [
  { value: 1, label: 'Strongly disagree' },
  { value: 2, label: 'Disagree' },
  { value: 3, label: 'Neutral' },
  { value: 4, label: 'Agree' },
  { value: 5, label: 'Strongly agree' },
] as const;

/** The product's open question, for an API that does not send its wording. */
export const OPEN_QUESTION = 'What makes this hard that nobody is saying out loud?';

/** The longest answer to the open question the API accepts, in characters. */
export const COMMENT_MAX_LENGTH = 2000;

/** The questions about one priority, under its title. */
export interface PriorityGroup {
  priorityId: string;
  title: string;
  /** Each question with its position in `invitation.questions`. */
  questions: { index: number; question: Question }[];
}

/**
 * Groups the questions by priority, in the order the priorities first appear. A priority is
 * titled from `invitation.priorities` when the API sends them, else "Priority 1", "Priority 2"…
 */
export function groupByPriority(invitation: Invitation): PriorityGroup[] {
  const titles = new Map(invitation.priorities.map((p) => [p.id, p.title]));
  const groups = new Map<string, PriorityGroup>();
  invitation.questions.forEach((question, index) => {
    let group = groups.get(question.priorityId);
    if (group === undefined) {
      const title = titles.get(question.priorityId)?.trim();
      group = {
        priorityId: question.priorityId,
        title: title !== undefined && title !== '' ? title : `Priority ${groups.size + 1}`,
        questions: [],
      };
      groups.set(question.priorityId, group);
    }
    group.questions.push({ index, question });
  });
  return [...groups.values()];
}

export function progressText(answered: number, total: number): string {
  return `${answered} of ${total} answered`;
}

/** "Support, frontline" or "the whole organization, leadership". */
export function segmentText(segment: Segment): string {
  return `${segment.team ?? 'the whole organization'}, ${segment.tier}`;
}

/** How results are shown, in the words of the run's minimum group size when it is known. */
export function groupSizeSentence(minGroupSize: number | null): string {
  return minGroupSize === null
    ? 'Answers are only shown combined, for groups large enough that nobody can be singled out.'
    : `Answers are only shown combined, for groups of at least ${minGroupSize} people.`;
}

/** A hex fingerprint in groups of four, so people can compare it by eye. */
export function formatFingerprint(hex: string): string {
  return (hex.toLowerCase().match(/.{1,4}/g) ?? []).join(' ');
}

export function characterCountText(length: number, max = COMMENT_MAX_LENGTH): string {
  return `${length.toLocaleString('en')} of ${max.toLocaleString('en')} characters`;
}

/**
 * The secret of a personal link `…/answer/<secret>`: the last segment of the path. Null when
 * the page was opened without one (as `/answer.html` or `/answer/`).
 */
export function secretFromPath(pathname: string): string | null {
  const last = pathname
    .split('/')
    .filter((part) => part !== '')
    .at(-1);
  if (last === undefined || last === 'answer' || last === 'answer.html') return null;
  try {
    return decodeURIComponent(last);
  } catch {
    return null;
  }
}
