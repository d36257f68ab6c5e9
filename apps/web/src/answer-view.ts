import type { Group, Invitation, Question, Segment } from './invitation.js';

/*
 * What the answer page shows, worked out from the invitation without touching the page: the
 * questions grouped by priority, and the sentences about progress, the group the answers
 * count for, the thresholds, who sees what and when, and the key.
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
  /**
   * Each question with its position in `invitation.questions`; a `note` is shown before it
   * (the builder's preview says whom a question is asked of).
   */
  questions: { index: number; question: Question; note?: string }[];
}

/** The kinds of a decision's follow-up items, shown together after the priorities. */
const DECISION_KINDS: ReadonlySet<string> = new Set(['settled', 'stopped']);

/** The heading of the follow-up items of decisions. */
export const DECISIONS_GROUP_TITLE = 'Decisions';

/**
 * Groups the questions by priority, in the order the priorities first appear. A priority is
 * titled from `invitation.priorities` when the API sends them, else "Priority 1", "Priority 2"…
 * Follow-up items of decisions come last, under {@link DECISIONS_GROUP_TITLE}.
 */
export function groupByPriority(invitation: Invitation): PriorityGroup[] {
  const titles = new Map(invitation.priorities.map((p) => [p.id, p.title]));
  const groups = new Map<string, PriorityGroup>();
  const decisions: PriorityGroup = { priorityId: '', title: DECISIONS_GROUP_TITLE, questions: [] };
  invitation.questions.forEach((question, index) => {
    if (DECISION_KINDS.has(question.kind)) {
      decisions.questions.push({ index, question });
      return;
    }
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
  return decisions.questions.length === 0 ? [...groups.values()] : [...groups.values(), decisions];
}

export function progressText(answered: number, total: number): string {
  return `${answered} of ${total} answered`;
}

/** "Support (frontline)" or "the whole organization (leadership)". */
export function segmentText(segment: Pick<Segment, 'team' | 'tier'>): string {
  return `${segment.team ?? 'the whole organization'} (${segment.tier})`;
}

/** "1 person", "12 people". */
export function peopleText(count: number): string {
  return `${count.toLocaleString('en')} ${count === 1 ? 'person' : 'people'}`;
}

/**
 * What a group under the minimum group size means for its answers; empty for a group of at
 * least k. (Segments under k are merged upward when a run starts, so only the whole
 * organization's segment of a tier can be this small.)
 */
export function smallGroupSentence(group: Group): string {
  return group.size >= group.minGroupSize
    ? ''
    : `That is fewer than ${group.minGroupSize}, so no figures are shown for this group alone: its answers are counted only together with larger groups.`;
}

/** When results appear: after the close, never while the pulse is open. */
export function resultsWhenSentence(closesAt: string): string {
  return `Results appear only after the pulse closes on ${closesAt}, never while it is open.`;
}

/** The run's two thresholds, for figures and for comments. */
export function thresholdsSentence(group: Group): string {
  return `Results are only ever shown for groups of at least ${group.minGroupSize} people; comments only for groups of at least ${group.commentMinGroupSize}.`;
}

/** Who sees what: HR and executives, combined figures only. */
export function whoSeesSentence(group: Group): string {
  return `HR and executives see only combined figures of groups of at least ${group.minGroupSize}, never an individual’s answers.`;
}

/** The hint under the open question, in the words of the run's comment threshold. */
export function commentHint(group: Group): string {
  return `Optional. Comments are shown only for groups of at least ${group.commentMinGroupSize} people, in random order and without a date. Leave out details that would identify you.`;
}

/** What the receipt says of a comment sent with the answers. */
export function receiptCommentSentence(group: Group): string {
  return `Your comment will be shown only for groups of at least ${group.commentMinGroupSize} people, in random order and without a date.`;
}

/** How results are shown, in the words of the run's minimum group size. */
export function groupSizeSentence(minGroupSize: number): string {
  return `Answers are only shown combined, for groups of at least ${minGroupSize} people.`;
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
