import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** When a pulse's runs start, as stored: cron, zone, every n weeks from the anchor. */
export interface StoredSchedule {
  readonly cron: string;
  readonly timezone: string;
  readonly everyWeeks: number;
  /** When the schedule was set: its weeks count from the first occurrence after. */
  readonly anchor: Date | null;
}

/** A pulse's schedule, when it recurs. */
export interface PulseSchedule extends StoredSchedule {
  readonly openForHours: number;
}

/** A pulse (survey definition) as the API shows it. */
export interface PulseView {
  readonly id: string;
  readonly title: string;
  readonly priorityIds: string[];
  readonly dimensions: string[];
  readonly openQuestion: boolean;
  readonly audience: { teams: string[] | null; tiers: TierValue[] | null };
  readonly schedule: PulseSchedule | null;
  readonly openForHours: number;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
  /** A paused pulse keeps its schedule but does not recur until resumed. */
  readonly paused: boolean;
  /** When its runs remind those who have not collected a token. */
  readonly reminders: ReminderSettings;
  /** Its runs ask leaders to predict the frontline's staffing and feasibility answers. */
  readonly predictions: boolean;
  readonly latestRunId: string | null;
  readonly createdAt: Date;
}

/** When a pulse's runs remind: at half-window, and hours before close (null: not). */
export interface ReminderSettings {
  readonly halfWindow: boolean;
  readonly hoursBeforeClose: number | null;
}

export interface NewPulse {
  readonly title: string;
  readonly priorityIds: readonly string[];
  readonly dimensions: readonly string[];
  readonly openQuestion: boolean;
  readonly audienceTeamIds: readonly string[] | null;
  readonly audienceTiers: readonly TierValue[] | null;
  readonly schedule: StoredSchedule | null;
  readonly openForHours: number;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
  readonly reminders: ReminderSettings;
  /** Ask leaders to predict the frontline (default false). */
  readonly predictions?: boolean;
}

export async function createPulse(
  trx: TenantTransaction,
  organizationId: string,
  pulse: NewPulse,
): Promise<string> {
  const row = await trx
    .insertInto('pulses')
    .values({
      organization_id: organizationId,
      title: pulse.title,
      dimensions: [...pulse.dimensions],
      open_question: pulse.openQuestion,
      audience_team_ids: pulse.audienceTeamIds === null ? null : [...pulse.audienceTeamIds],
      audience_tiers: pulse.audienceTiers === null ? null : [...pulse.audienceTiers],
      schedule_cron: pulse.schedule?.cron ?? null,
      schedule_timezone: pulse.schedule?.timezone ?? null,
      schedule_every_weeks: pulse.schedule?.everyWeeks ?? 1,
      schedule_anchor: pulse.schedule?.anchor ?? null,
      open_for_hours: pulse.openForHours,
      min_group_size: pulse.minGroupSize,
      comment_min_group_size: pulse.commentMinGroupSize,
      remind_at_half_window: pulse.reminders.halfWindow,
      remind_hours_before_close: pulse.reminders.hoursBeforeClose,
      predictions: pulse.predictions ?? false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('pulse_priorities')
    .values(
      pulse.priorityIds.map((priorityId, position) => ({
        pulse_id: row.id,
        priority_id: priorityId,
        organization_id: organizationId,
        position,
      })),
    )
    .execute();
  return row.id;
}

/** Pulses of the organization, newest first, or the one with `id`; deleted pulses are gone. */
export async function listPulses(trx: TenantTransaction, id?: string): Promise<PulseView[]> {
  let query = trx
    .selectFrom('pulses')
    .selectAll('pulses')
    .select((eb) => [
      eb
        .selectFrom('runs')
        .select('runs.id')
        .whereRef('runs.pulse_id', '=', 'pulses.id')
        .orderBy('runs.opened_at', 'desc')
        .orderBy('runs.id', 'desc')
        .limit(1)
        .as('latest_run_id'),
    ])
    .where('pulses.deleted_at', 'is', null)
    .orderBy('pulses.created_at', 'desc')
    .orderBy('pulses.id');
  if (id !== undefined) query = query.where('pulses.id', '=', id);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const links = await trx
    .selectFrom('pulse_priorities')
    .select(['pulse_id', 'priority_id'])
    .where(
      'pulse_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    priorityIds: links.filter((l) => l.pulse_id === r.id).map((l) => l.priority_id),
    dimensions: r.dimensions,
    openQuestion: r.open_question,
    audience: { teams: r.audience_team_ids, tiers: r.audience_tiers as TierValue[] | null },
    schedule:
      r.schedule_cron === null
        ? null
        : {
            cron: r.schedule_cron,
            timezone: r.schedule_timezone ?? 'UTC',
            everyWeeks: r.schedule_every_weeks,
            anchor: r.schedule_anchor,
            openForHours: r.open_for_hours,
          },
    openForHours: r.open_for_hours,
    minGroupSize: r.min_group_size,
    commentMinGroupSize: r.comment_min_group_size,
    paused: r.paused,
    reminders: {
      halfWindow: r.remind_at_half_window,
      hoursBeforeClose: r.remind_hours_before_close,
    },
    predictions: r.predictions,
    latestRunId: r.latest_run_id ?? null,
    createdAt: r.created_at,
  }));
}

/** Changes to a pulse; a field left out stays as it is. */
export interface PulseChanges {
  readonly title?: string;
  readonly audienceTeamIds?: readonly string[] | null;
  readonly audienceTiers?: readonly TierValue[] | null;
  /** null: the pulse no longer recurs. */
  readonly schedule?: StoredSchedule | null;
  readonly openForHours?: number;
  readonly paused?: boolean;
  readonly minGroupSize?: number;
  readonly commentMinGroupSize?: number;
  readonly reminders?: ReminderSettings;
  readonly predictions?: boolean;
}

/**
 * The pulse with `id`, its row locked until the transaction ends so that a change is
 * checked against what it replaces; null when there is none (or it was deleted).
 */
export async function lockPulse(trx: TenantTransaction, id: string): Promise<PulseView | null> {
  const locked = await trx
    .selectFrom('pulses')
    .select('id')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (locked === undefined) return null;
  const [pulse] = await listPulses(trx, id);
  return pulse ?? null;
}

/** Applies `changes` to a pulse that is not deleted. */
export async function updatePulse(
  trx: TenantTransaction,
  id: string,
  changes: PulseChanges,
): Promise<void> {
  const set = {
    ...(changes.title === undefined ? {} : { title: changes.title }),
    ...(changes.audienceTeamIds === undefined
      ? {}
      : {
          audience_team_ids: changes.audienceTeamIds === null ? null : [...changes.audienceTeamIds],
        }),
    ...(changes.audienceTiers === undefined
      ? {}
      : { audience_tiers: changes.audienceTiers === null ? null : [...changes.audienceTiers] }),
    ...(changes.schedule === undefined
      ? {}
      : {
          schedule_cron: changes.schedule?.cron ?? null,
          schedule_timezone: changes.schedule?.timezone ?? null,
          schedule_every_weeks: changes.schedule?.everyWeeks ?? 1,
          schedule_anchor: changes.schedule?.anchor ?? null,
        }),
    ...(changes.openForHours === undefined ? {} : { open_for_hours: changes.openForHours }),
    ...(changes.paused === undefined ? {} : { paused: changes.paused }),
    ...(changes.minGroupSize === undefined ? {} : { min_group_size: changes.minGroupSize }),
    ...(changes.commentMinGroupSize === undefined
      ? {}
      : { comment_min_group_size: changes.commentMinGroupSize }),
    ...(changes.reminders === undefined
      ? {}
      : {
          remind_at_half_window: changes.reminders.halfWindow,
          remind_hours_before_close: changes.reminders.hoursBeforeClose,
        }),
    ...(changes.predictions === undefined ? {} : { predictions: changes.predictions }),
  };
  if (Object.keys(set).length === 0) return;
  await trx
    .updateTable('pulses')
    .set(set)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .execute();
}

/**
 * Deletes a pulse softly: it is gone from every list and starts no run again, while its
 * runs, their invitations and their figures stay. False when there was none to delete.
 */
export async function deletePulse(trx: TenantTransaction, id: string, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('pulses')
    .set({ deleted_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
