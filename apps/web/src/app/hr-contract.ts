import type { Tier } from '@pulsegap/domain';
import {
  array,
  boolean,
  id,
  items,
  number,
  optionalId,
  optionalNumber,
  optionalString,
  record,
  string,
  type Json,
} from '../fields.js';
import { ContractError, ProblemError } from '../http.js';

/*
 * The parts of the API's answers (PRODUCT.md §7, the route schemas in apps/api/src/routes) that
 * HR's views read, checked at the boundary. Fields the views do not use are ignored.
 */

function tier(value: unknown, where: string): Tier {
  if (value !== 'leadership' && value !== 'frontline') throw new ContractError(where);
  return value;
}

export interface Team {
  id: string;
  name: string;
  parentId: string | null;
}

export function parseTeams(body: unknown): Team[] {
  return items(body, 'teams').map((value, i) => {
    const team = record(value, `teams.items[${i}]`);
    return {
      id: id(team.id, `teams.items[${i}].id`),
      name: string(team.name, `teams.items[${i}].name`),
      parentId: optionalId(team.parentId, `teams.items[${i}].parentId`),
    };
  });
}

export interface Person {
  teamId: string;
  tier: Tier;
  active: boolean;
}

export function parsePeople(body: unknown): Person[] {
  return items(body, 'people').map((value, i) => {
    const where = `people.items[${i}]`;
    const person = record(value, where);
    return {
      teamId: id(person.teamId, `${where}.teamId`),
      tier: tier(person.tier, `${where}.tier`),
      active: boolean(person.active, `${where}.active`),
    };
  });
}

export interface ImportCounts {
  created: number;
  updated: number;
  deactivated: number;
}

export function parseImportCounts(body: unknown): ImportCounts {
  const counts = record(body, 'import');
  return {
    created: number(counts.created, 'import.created'),
    updated: number(counts.updated, 'import.updated'),
    deactivated: optionalNumber(counts.deactivated, 'import.deactivated') ?? 0,
  };
}

export interface User {
  id: string;
  email: string;
  role: string;
}

export function parseUsers(body: unknown): User[] {
  return items(body, 'users').map((value, i) => {
    const user = record(value, `users.items[${i}]`);
    return {
      id: id(user.id, `users.items[${i}].id`),
      email: string(user.email, `users.items[${i}].email`),
      role: string(user.role, `users.items[${i}].role`),
    };
  });
}

export function parseCreated(body: unknown): { id: string } {
  return { id: id(record(body, 'created').id, 'created.id') };
}

export interface Settings {
  timezone: string;
  minGroupSize: number;
  commentMinGroupSize: number;
}

export function parseSettings(body: unknown): Settings {
  const settings = record(body, 'settings');
  return {
    timezone: string(settings.timezone, 'settings.timezone'),
    minGroupSize: number(settings.minGroupSize, 'settings.minGroupSize'),
    commentMinGroupSize: number(settings.commentMinGroupSize, 'settings.commentMinGroupSize'),
  };
}

export interface PulseSchedule {
  cron: string;
  timezone: string;
  openForHours: number;
  /** Runs only in every n-th week; 1 where the API does not say. */
  everyWeeks: number;
}

/** A pulse as HR edits it. */
export interface PulseDefinition {
  id: string;
  title: string;
  priorityIds: string[];
  dimensions: string[];
  openQuestion: boolean;
  audience: { teams: string[] | null; tiers: Tier[] | null };
  schedule: PulseSchedule | null;
  openForHours: number;
  minGroupSize: number;
  commentMinGroupSize: number;
  paused: boolean;
  /** When its runs remind those who have not collected a token. */
  reminders: { halfWindow: boolean; hoursBeforeClose: number | null };
  /** Its runs ask leaders to predict the frontline's staffing and feasibility answers. */
  predictions: boolean;
  latestRunId: string | null;
  /** When the schedule starts its next runs, where the API says (newest API only). */
  nextOccurrences: string[];
}

function strings(value: unknown, where: string): string[] {
  return array(value, where).map((v, i) => string(v, `${where}[${i}]`));
}

/** A pulse's reminders; the API's defaults where it does not say. */
function remindersOf(value: unknown, where: string): PulseDefinition['reminders'] {
  if (value === undefined || value === null) return { halfWindow: true, hoursBeforeClose: 24 };
  const reminders = record(value, where);
  return {
    halfWindow: reminders.halfWindow !== false,
    hoursBeforeClose:
      reminders.hoursBeforeClose === null
        ? null
        : number(reminders.hoursBeforeClose, `${where}.hoursBeforeClose`),
  };
}

function parsePulse(value: unknown, where: string): PulseDefinition {
  const pulse = record(value, where);
  const audience = pulse.audience === undefined ? {} : record(pulse.audience, `${where}.audience`);
  const schedule =
    pulse.schedule === null || pulse.schedule === undefined
      ? null
      : record(pulse.schedule, `${where}.schedule`);
  return {
    id: id(pulse.id, `${where}.id`),
    title: string(pulse.title, `${where}.title`),
    priorityIds: array(pulse.priorityIds, `${where}.priorityIds`).map((p, i) =>
      id(p, `${where}.priorityIds[${i}]`),
    ),
    dimensions: strings(pulse.dimensions, `${where}.dimensions`),
    openQuestion: pulse.openQuestion !== false,
    audience: {
      teams:
        audience.teams === null || audience.teams === undefined
          ? null
          : strings(audience.teams, `${where}.audience.teams`),
      tiers:
        audience.tiers === null || audience.tiers === undefined
          ? null
          : array(audience.tiers, `${where}.audience.tiers`).map((t, i) =>
              tier(t, `${where}.audience.tiers[${i}]`),
            ),
    },
    schedule:
      schedule === null
        ? null
        : {
            cron: string(schedule.cron, `${where}.schedule.cron`),
            timezone: string(schedule.timezone, `${where}.schedule.timezone`),
            openForHours: number(schedule.openForHours, `${where}.schedule.openForHours`),
            everyWeeks: optionalNumber(schedule.everyWeeks, `${where}.schedule.everyWeeks`) ?? 1,
          },
    openForHours: number(pulse.openForHours, `${where}.openForHours`),
    minGroupSize: number(pulse.minGroupSize, `${where}.minGroupSize`),
    commentMinGroupSize: number(pulse.commentMinGroupSize, `${where}.commentMinGroupSize`),
    paused: pulse.paused === true,
    reminders: remindersOf(pulse.reminders, `${where}.reminders`),
    predictions: pulse.predictions === true,
    latestRunId: optionalId(pulse.latestRunId, `${where}.latestRunId`),
    nextOccurrences:
      pulse.nextOccurrences === undefined || pulse.nextOccurrences === null
        ? []
        : strings(pulse.nextOccurrences, `${where}.nextOccurrences`),
  };
}

export function parsePulseDefinitions(body: unknown): PulseDefinition[] {
  return items(body, 'pulses').map((value, i) => parsePulse(value, `pulses.items[${i}]`));
}

export function parsePulseDefinition(body: unknown): PulseDefinition {
  return parsePulse(body, 'pulse');
}

/** A Likert item a pulse may ask: the bank's, or one of the organization's own. */
export interface LikertItem {
  key: string;
  statement: string;
  custom: boolean;
}

/** `GET /items`: the bank's seven and the organization's custom items. */
export function parseItems(body: unknown): LikertItem[] {
  return items(body, 'items').map((value, i) => {
    const where = `items.items[${i}]`;
    const item = record(value, where);
    return {
      key: string(item.key, `${where}.key`),
      statement: string(item.statement, `${where}.statement`),
      custom: item.custom === true,
    };
  });
}

/** Participation counts; null where the group is under k and its counts are withheld. */
export interface Counts {
  invited: number;
  tokensCollected: number | null;
  responses: number | null;
}

export interface TeamParticipation extends Counts {
  teamId: string;
  team: string;
}

export interface Run {
  id: string;
  openedAt: string;
  closesAt: string;
  closedAt: string | null;
  state: 'open' | 'closing' | 'released';
  minGroupSize: number;
  participation: Counts;
  teams: TeamParticipation[];
  withheld: { teamId: string; team: string; reason: string }[];
}

function counts(value: Json, where: string): Counts {
  return {
    invited: number(value.invited, `${where}.invited`),
    tokensCollected: optionalNumber(value.tokensCollected, `${where}.tokensCollected`),
    responses: optionalNumber(value.responses, `${where}.responses`),
  };
}

export function parseRunList(body: unknown): Run[] {
  return items(body, 'runs').map((value, i) => {
    const where = `runs.items[${i}]`;
    const run = record(value, where);
    const state = run.state;
    if (state !== 'open' && state !== 'closing' && state !== 'released') {
      throw new ContractError(`${where}.state`);
    }
    return {
      id: id(run.id, `${where}.id`),
      openedAt: string(run.openedAt, `${where}.openedAt`),
      closesAt: string(run.closesAt, `${where}.closesAt`),
      closedAt: optionalString(run.closedAt, `${where}.closedAt`),
      state,
      minGroupSize: number(run.minGroupSize, `${where}.minGroupSize`),
      participation: counts(record(run.participation, `${where}.participation`), where),
      teams: array(run.teams ?? [], `${where}.teams`).map((t, j) => {
        const team = record(t, `${where}.teams[${j}]`);
        return {
          ...counts(team, `${where}.teams[${j}]`),
          teamId: id(team.teamId, `${where}.teams[${j}].teamId`),
          team: string(team.team, `${where}.teams[${j}].team`),
        };
      }),
      withheld: array(run.withheld ?? [], `${where}.withheld`).map((w, j) => {
        const entry = record(w, `${where}.withheld[${j}]`);
        return {
          teamId: id(entry.teamId, `${where}.withheld[${j}].teamId`),
          team: string(entry.team, `${where}.withheld[${j}].team`),
          reason: string(entry.reason, `${where}.withheld[${j}].reason`),
        };
      }),
    };
  });
}

export interface StartedRun {
  id: string;
  invited: number;
  closesAt: string;
}

export function parseStartedRun(body: unknown): StartedRun {
  const run = record(body, 'run');
  return {
    id: id(run.id, 'run.id'),
    invited: number(run.invited, 'run.invited'),
    closesAt: string(run.closesAt, 'run.closesAt'),
  };
}

/** A reminder asked for: how many it will reach, and when it goes out (sending hours). */
export interface QueuedReminder {
  queued: number;
  sendsAt: string | null;
}

export function parseQueued(body: unknown): QueuedReminder {
  const reminder = record(body, 'reminders');
  return {
    queued: number(reminder.queued, 'reminders.queued'),
    sendsAt: optionalString(reminder.sendsAt, 'reminders.sendsAt'),
  };
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export function parseAuditPage(body: unknown): AuditPage {
  const page = record(body, 'audit');
  return {
    entries: array(page.items, 'audit.items').map((value, i) => {
      const where = `audit.items[${i}]`;
      const entry = record(value, where);
      const actor =
        entry.actor === null || entry.actor === undefined
          ? null
          : record(entry.actor, `${where}.actor`);
      return {
        at: string(entry.at, `${where}.at`),
        actor:
          actor === null
            ? 'Pulsegap (automatic)'
            : (optionalString(actor.email, `${where}.actor.email`) ?? 'a removed user'),
        action: string(entry.action, `${where}.action`),
        subject: string(entry.subject, `${where}.subject`),
        detail: entry.detail,
      };
    }),
    nextCursor: optionalString(page.nextCursor, 'audit.nextCursor'),
  };
}

/** Invited per tier. */
export interface TierNumbers {
  leadership: number;
  frontline: number;
}

/** What a run of a pulse would release (`GET /pulses/:id/preview`, `POST /pulses/preview`). */
export interface Reportability {
  invited: number;
  startable: boolean;
  problem: string | null;
  minGroupSize: number;
  commentMinGroupSize: number;
  tiers: { tier: Tier; invited: number; underK: boolean }[];
  merged: { teamId: string; tier: Tier; invited: number; intoTeamId: string | null }[];
  organization: { invited: TierNumbers; figures: boolean; comments: TierBooleans };
  teams: {
    teamId: string;
    name: string;
    parentId: string | null;
    invited: TierNumbers;
    figures: boolean;
    comments: TierBooleans;
  }[];
  /** The most questions any one invitee is asked. */
  questions: number;
  estimatedMinutes: number;
  warnings: string[];
  /** Follow-up items of open decisions a run would add, each asked of a team and those under it. */
  decisionItems: PreviewDecisionItem[];
}

/** A decision's follow-up item a run would ask (the preview's `decisionItems`). */
export interface PreviewDecisionItem {
  decisionId: string;
  decisionTitle: string;
  priorityId: string;
  kind: string;
  /** The tier it is asked of; `null`: both. */
  audienceTier: Tier | null;
  /** The decision's owning team; `null`: every team. */
  audienceTeamId: string | null;
  text: string;
}

export interface TierBooleans {
  leadership: boolean;
  frontline: boolean;
}

function tierNumbers(value: unknown, where: string): TierNumbers {
  const tiers = record(value, where);
  return {
    leadership: number(tiers.leadership, `${where}.leadership`),
    frontline: number(tiers.frontline, `${where}.frontline`),
  };
}

function tierBooleans(value: unknown, where: string): TierBooleans {
  const tiers = record(value, where);
  return {
    leadership: boolean(tiers.leadership, `${where}.leadership`),
    frontline: boolean(tiers.frontline, `${where}.frontline`),
  };
}

/** `questions` may be a count or the list of questions; the view shows how many. */
function questionCount(value: unknown, where: string): number {
  return Array.isArray(value) ? value.length : number(value, where);
}

export function parseReportability(body: unknown): Reportability {
  const r = record(body, 'preview');
  const organization = record(r.organization, 'preview.organization');
  return {
    invited: number(r.invited, 'preview.invited'),
    startable: boolean(r.startable, 'preview.startable'),
    problem: optionalString(r.problem, 'preview.problem'),
    minGroupSize: number(r.minGroupSize, 'preview.minGroupSize'),
    commentMinGroupSize: number(r.commentMinGroupSize, 'preview.commentMinGroupSize'),
    tiers: array(r.tiers ?? [], 'preview.tiers').map((value, i) => {
      const t = record(value, `preview.tiers[${i}]`);
      return {
        tier: tier(t.tier, `preview.tiers[${i}].tier`),
        invited: number(t.invited, `preview.tiers[${i}].invited`),
        underK: boolean(t.underK, `preview.tiers[${i}].underK`),
      };
    }),
    merged: array(r.merged ?? [], 'preview.merged').map((value, i) => {
      const m = record(value, `preview.merged[${i}]`);
      return {
        teamId: id(m.teamId, `preview.merged[${i}].teamId`),
        tier: tier(m.tier, `preview.merged[${i}].tier`),
        invited: number(m.invited, `preview.merged[${i}].invited`),
        intoTeamId: optionalId(m.intoTeamId, `preview.merged[${i}].intoTeamId`),
      };
    }),
    organization: {
      invited: tierNumbers(organization.invited, 'preview.organization.invited'),
      figures: boolean(organization.figures, 'preview.organization.figures'),
      comments: tierBooleans(organization.comments, 'preview.organization.comments'),
    },
    teams: array(r.teams ?? [], 'preview.teams').map((value, i) => {
      const where = `preview.teams[${i}]`;
      const t = record(value, where);
      return {
        teamId: id(t.teamId, `${where}.teamId`),
        name: string(t.name, `${where}.name`),
        parentId: optionalId(t.parentId, `${where}.parentId`),
        invited: tierNumbers(t.invited, `${where}.invited`),
        figures: boolean(t.figures, `${where}.figures`),
        comments: tierBooleans(t.comments, `${where}.comments`),
      };
    }),
    questions: questionCount(r.questions, 'preview.questions'),
    estimatedMinutes: number(r.estimatedMinutes, 'preview.estimatedMinutes'),
    warnings: strings(r.warnings ?? [], 'preview.warnings'),
    // A server without decisions sends none.
    decisionItems: array(r.decisionItems ?? [], 'preview.decisionItems').map((value, i) => {
      const where = `preview.decisionItems[${i}]`;
      const item = record(value, where);
      return {
        decisionId: id(item.decisionId, `${where}.decisionId`),
        decisionTitle: string(item.decisionTitle, `${where}.decisionTitle`),
        priorityId: id(item.priorityId, `${where}.priorityId`),
        kind: string(item.kind, `${where}.kind`),
        audienceTier:
          item.audienceTier === null || item.audienceTier === undefined
            ? null
            : tier(item.audienceTier, `${where}.audienceTier`),
        audienceTeamId: optionalId(item.audienceTeamId, `${where}.audienceTeamId`),
        text: string(item.text, `${where}.text`),
      };
    }),
  };
}

/** One error of a problem document's `errors`, by field path or by line and field. */
export interface ProblemEntry {
  path: string | null;
  line: number | null;
  field: string | null;
  message: string;
}

/** The `errors` of a 400 problem+json, empty when it has none. */
export function problemEntries(error: unknown): ProblemEntry[] {
  if (!(error instanceof ProblemError)) return [];
  const body = error.body;
  if (typeof body !== 'object' || body === null || !('errors' in body)) return [];
  const list = body.errors;
  if (!Array.isArray(list)) return [];
  return list.flatMap((value: unknown): ProblemEntry[] => {
    if (typeof value !== 'object' || value === null) return [];
    const entry = value as Record<string, unknown>;
    if (typeof entry.message !== 'string') return [];
    return [
      {
        path: typeof entry.path === 'string' ? entry.path : null,
        line: typeof entry.line === 'number' ? entry.line : null,
        field: typeof entry.field === 'string' ? entry.field : null,
        message: entry.message,
      },
    ];
  });
}

/** A member of the problem document beside `detail` (e.g. `deactivated`), if it is a number. */
export function problemNumber(error: ProblemError, name: string): number | null {
  const body = error.body;
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : null;
}

/**
 * Field errors by the body field they name: `body/statedWeight` → `statedWeight`,
 * `body/schedule/cron` → `schedule.cron`. Entries without a path are left out.
 */
export function fieldErrors(error: unknown): Map<string, string> {
  const byField = new Map<string, string>();
  for (const entry of problemEntries(error)) {
    if (entry.path === null) continue;
    const field = entry.path
      .replace(/^\/?body\/?/, '')
      .split('/')
      .filter((part) => part !== '')
      .join('.');
    const key = field === '' ? '' : field;
    byField.set(
      key,
      byField.has(key) ? `${byField.get(key) ?? ''}; ${entry.message}` : entry.message,
    );
  }
  return byField;
}
