import {
  BLIND_SPOT_DIMENSIONS,
  DIMENSIONS,
  isAskedOfTier,
  isDimension,
  itemStatementFor,
  predictionStatementFor,
  STATEMENTS,
  type Tier,
} from '@pulsegap/domain';
import { DECISIONS_GROUP_TITLE, type PriorityGroup } from '../answer-view.js';
import type { PreviewDecisionItem, PulseDefinition, Settings } from './hr-contract.js';
import { everyWeeksOf, fromCron, toCron, type ScheduleChoice } from './schedule-presets.js';

/*
 * The pulse builder's form as plain data: what a new pulse or a saved one starts as, the body
 * of `POST /pulses` (and of the reportability preview) or of `PATCH /pulses/:id` it becomes,
 * and the questions the employee page would show for it.
 */

/** How long a run takes answers when nothing else is said (PRODUCT.md §3). */
export const DEFAULT_OPEN_FOR_HOURS = 72;

export interface PulseDraft {
  title: string;
  priorityIds: string[];
  /** Bank dimensions and custom items' keys, bank first. */
  dimensions: string[];
  openQuestion: boolean;
  /** Ask leaders to predict the frontline's staffing and feasibility answers. */
  predictions: boolean;
  /** Empty: everyone. */
  teamIds: string[];
  /** Empty: both tiers. */
  tiers: Tier[];
  minGroupSize: number;
  commentMinGroupSize: number;
  scheduled: boolean;
  schedule: ScheduleChoice;
  timezone: string;
  openForHours: number;
  /** Remind at the middle of each run's window. */
  remindHalfWindow: boolean;
  /** Remind this many hours before each run closes; null: not. */
  remindHoursBeforeClose: number | null;
}

/** A new pulse: every dimension, the open question, everyone, the organization's floor. */
export function newDraft(settings: Settings): PulseDraft {
  return {
    title: '',
    priorityIds: [],
    dimensions: [...DIMENSIONS],
    openQuestion: true,
    predictions: false,
    teamIds: [],
    tiers: [],
    minGroupSize: settings.minGroupSize,
    commentMinGroupSize: settings.commentMinGroupSize,
    scheduled: false,
    schedule: { kind: 'weekly', weekday: 1, hour: 9, minute: 0 },
    timezone: settings.timezone,
    openForHours: DEFAULT_OPEN_FOR_HOURS,
    remindHalfWindow: true,
    remindHoursBeforeClose: 24,
  };
}

/** A saved pulse as the builder edits it. */
export function draftOf(pulse: PulseDefinition, settings: Settings): PulseDraft {
  const fresh = newDraft(settings);
  return {
    title: pulse.title,
    priorityIds: [...pulse.priorityIds],
    dimensions: [
      ...DIMENSIONS.filter((d) => pulse.dimensions.includes(d)),
      ...pulse.dimensions.filter((d) => !isDimension(d)),
    ],
    openQuestion: pulse.openQuestion,
    predictions: pulse.predictions,
    teamIds: [...(pulse.audience.teams ?? [])],
    tiers: [...(pulse.audience.tiers ?? [])],
    minGroupSize: pulse.minGroupSize,
    commentMinGroupSize: pulse.commentMinGroupSize,
    scheduled: pulse.schedule !== null,
    schedule:
      pulse.schedule === null
        ? fresh.schedule
        : fromCron(pulse.schedule.cron, pulse.schedule.everyWeeks),
    timezone: pulse.schedule?.timezone ?? settings.timezone,
    openForHours: pulse.schedule?.openForHours ?? pulse.openForHours,
    remindHalfWindow: pulse.reminders.halfWindow,
    remindHoursBeforeClose: pulse.reminders.hoursBeforeClose,
  };
}

function remindersOf(draft: PulseDraft) {
  return { halfWindow: draft.remindHalfWindow, hoursBeforeClose: draft.remindHoursBeforeClose };
}

function audienceOf(draft: PulseDraft): { teams?: string[]; tiers?: Tier[] } {
  return {
    ...(draft.teamIds.length > 0 ? { teams: draft.teamIds } : {}),
    // Both tiers is the same as no restriction.
    ...(draft.tiers.length === 1 ? { tiers: draft.tiers } : {}),
  };
}

function scheduleOf(draft: PulseDraft) {
  return {
    cron: toCron(draft.schedule),
    everyWeeks: everyWeeksOf(draft.schedule),
    timezone: draft.timezone.trim(),
    openForHours: draft.openForHours,
  };
}

/** The body of `POST /pulses` and `POST /pulses/preview`. */
export function pulseBody(draft: PulseDraft) {
  return {
    title: draft.title,
    priorityIds: draft.priorityIds,
    dimensions: draft.dimensions,
    openQuestion: draft.openQuestion,
    predictions: draft.predictions,
    audience: audienceOf(draft),
    ...(draft.scheduled ? { schedule: scheduleOf(draft) } : { openForHours: draft.openForHours }),
    minGroupSize: draft.minGroupSize,
    commentMinGroupSize: draft.commentMinGroupSize,
    reminders: remindersOf(draft),
  };
}

/**
 * The body of `PATCH /pulses/:id`: what a saved pulse may change (title, audience, schedule,
 * thresholds, reminders, leaders' predictions). Its priorities and questions stay as they
 * were saved, so its runs compare.
 */
export function pulseChanges(draft: PulseDraft) {
  return {
    title: draft.title,
    predictions: draft.predictions,
    audience: audienceOf(draft),
    schedule: draft.scheduled ? scheduleOf(draft) : null,
    minGroupSize: draft.minGroupSize,
    commentMinGroupSize: draft.commentMinGroupSize,
    reminders: remindersOf(draft),
  };
}

/** Whom the employee page is previewed for, and what only the server knows. */
export interface PreviewedInvitee {
  /** The tier previewed: leaders are asked the prediction items too. */
  tier: Tier;
  /** The follow-up items of open decisions a run would add (the API's preview). */
  decisionItems?: readonly PreviewDecisionItem[];
  /** A team's name, to say whom a decision's items are asked of. */
  teamName?: (teamId: string) => string | undefined;
}

/** Whom a decision's follow-up items are asked of, in the preview's words. */
export function decisionAudienceNote(teamName: string | null): string {
  return teamName === null
    ? 'Asked of every team:'
    : `Asked only of ${teamName} and the teams under it:`;
}

/**
 * The questions the employee page shows for the draft to an invitee of `invitee.tier`,
 * grouped as it does: per priority, the bank's dimensions and the custom items chosen
 * (`items` holds their statements), then, for leaders of a pulse asking for predictions,
 * the prediction items; last, under "Decisions", the follow-up items of open decisions,
 * each decision's first item noting the team it is asked of. Who is asked what is
 * `isAskedOfTier`'s rule, as the invitation's is `isAskedOf`.
 */
export function employeeQuestions(
  draft: PulseDraft,
  priorities: readonly { id: string; title: string }[],
  items: readonly { key: string; statement: string }[] = [],
  invitee: PreviewedInvitee = { tier: 'frontline' },
): PriorityGroup[] {
  const statements = new Map<string, string>([
    ...Object.entries(STATEMENTS),
    ...items.map((item): [string, string] => [item.key, item.statement]),
  ]);
  // The bank's in its order, then custom items as chosen.
  const ordered = [
    ...DIMENSIONS.filter((d) => draft.dimensions.includes(d)),
    ...draft.dimensions.filter((d) => !isDimension(d)),
  ];
  const predicted = draft.predictions
    ? BLIND_SPOT_DIMENSIONS.filter((d) => draft.dimensions.includes(d))
    : [];
  const leadersOnly = { audienceTier: 'leadership' as const, audienceTeamId: null };
  let index = 0;
  const next = (
    question: PriorityGroup['questions'][number]['question'],
    note?: string,
  ): PriorityGroup['questions'][number] => {
    index += 1;
    return { index: index - 1, question, ...(note === undefined ? {} : { note }) };
  };
  const groups = draft.priorityIds.flatMap((priorityId): PriorityGroup[] => {
    const priority = priorities.find((p) => p.id === priorityId);
    if (priority === undefined) return [];
    const asked = ordered.flatMap((dimension) => {
      const statement = statements.get(dimension);
      if (statement === undefined) return [];
      return [
        next({
          id: `${priorityId}/${dimension}`,
          priorityId,
          dimension,
          text: itemStatementFor(statement, priority.title),
          kind: isDimension(dimension) ? 'bank' : 'custom',
        }),
      ];
    });
    const predictions = isAskedOfTier(leadersOnly, invitee.tier)
      ? predicted.map((dimension) =>
          next({
            id: `${priorityId}/prediction/${dimension}`,
            priorityId,
            dimension,
            text: predictionStatementFor(dimension, priority.title),
            kind: 'prediction',
          }),
        )
      : [];
    return [{ priorityId, title: priority.title, questions: [...asked, ...predictions] }];
  });
  const noted = new Set<string>();
  const decisions = (invitee.decisionItems ?? [])
    .filter((item) => isAskedOfTier(item, invitee.tier))
    .map((item) => {
      const first = !noted.has(item.decisionId);
      noted.add(item.decisionId);
      const team =
        item.audienceTeamId === null
          ? null
          : (invitee.teamName?.(item.audienceTeamId) ?? 'the decision’s team');
      return next(
        {
          id: `${item.decisionId}/${item.kind}`,
          priorityId: item.priorityId,
          dimension: item.kind,
          text: item.text,
          kind: item.kind,
        },
        first ? decisionAudienceNote(team) : undefined,
      );
    });
  return decisions.length === 0
    ? groups
    : [...groups, { priorityId: '', title: DECISIONS_GROUP_TITLE, questions: decisions }];
}

/** Adds or removes one value of a list kept in a given order. */
export function toggled<T>(list: readonly T[], value: T, on: boolean, order: readonly T[]): T[] {
  const set = new Set(list);
  if (on) set.add(value);
  else set.delete(value);
  return order.filter((item) => set.has(item));
}
