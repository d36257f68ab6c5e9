import type { SegmentParticipation, SnapshotTeam } from '@pulsegap/domain';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, RunTable, TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** A run of a pulse: its window, thresholds, audience and whether it is released. */
export interface RunRecord {
  readonly id: string;
  readonly pulseId: string;
  readonly openedAt: Date;
  readonly closesAt: Date;
  readonly closedAt: Date | null;
  readonly releasedAt: Date | null;
  /** How many were invited. */
  readonly invited: number;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
  readonly openQuestion: boolean;
  readonly audience: { teams: string[] | null; tiers: TierValue[] | null };
}

/** A person who will be invited to a run, with the segment their token will name. */
export interface Invitee {
  /** Chosen by the caller: the invitation secret is derived from it. */
  readonly id: string;
  readonly personId: string;
  readonly secretHash: Buffer;
  readonly segmentTeamId: string | null;
  readonly segmentTier: TierValue;
}

/** Someone who may be invited: an active person in the pulse's audience. */
export interface AudienceMember {
  readonly personId: string;
  readonly email: string;
  readonly name: string;
  readonly teamId: string;
  readonly tier: TierValue;
}

/**
 * Active people of the audience: all teams (and their descendants) when `teamIds` is null,
 * all tiers when `tiers` is null.
 */
export async function audienceMembers(
  trx: TenantTransaction,
  audience: { teamIds: readonly string[] | null; tiers: readonly TierValue[] | null },
): Promise<AudienceMember[]> {
  let query = trx
    .selectFrom('people')
    .select(['id', 'email', 'name', 'team_id', 'tier'])
    .where('active', '=', true);
  if (audience.tiers !== null) query = query.where('tier', 'in', [...audience.tiers]);
  if (audience.teamIds !== null) {
    const teams = await trx.selectFrom('teams').select(['id', 'parent_id']).execute();
    const included = new Set(audience.teamIds);
    for (let grew = true; grew;) {
      grew = false;
      for (const t of teams) {
        if (t.parent_id !== null && included.has(t.parent_id) && !included.has(t.id)) {
          included.add(t.id);
          grew = true;
        }
      }
    }
    if (included.size === 0) return [];
    query = query.where('team_id', 'in', [...included]);
  }
  const rows = await query.orderBy('id').execute();
  return rows.map((r) => ({
    personId: r.id,
    email: r.email,
    name: r.name,
    teamId: r.team_id,
    tier: r.tier,
  }));
}

/**
 * Creates a run with its frozen questions, its audience, the snapshot of the team tree it
 * will be reported against, and its invitations.
 */
export async function createRun(
  trx: TenantTransaction,
  organizationId: string,
  input: {
    pulseId: string;
    openedAt: Date;
    closesAt: Date;
    /** The schedule's occurrence, for a scheduled run. */
    scheduledFor?: Date | null;
    minGroupSize: number;
    commentMinGroupSize: number;
    openQuestion: boolean;
    audience: { teams: readonly string[] | null; tiers: readonly TierValue[] | null };
    teams: readonly SnapshotTeam[];
    questions: readonly {
      priorityId: string;
      dimension: string;
      text: string;
      /** Default `bank`. */
      kind?: 'bank' | 'custom' | 'prediction';
      /** The tier it is asked of; null or absent: both. */
      audienceTier?: TierValue | null;
    }[];
    invitees: readonly Invitee[];
  },
): Promise<string> {
  const run = await trx
    .insertInto('runs')
    .values({
      organization_id: organizationId,
      pulse_id: input.pulseId,
      opened_at: input.openedAt,
      closes_at: input.closesAt,
      scheduled_for: input.scheduledFor ?? null,
      invited: input.invitees.length,
      min_group_size: input.minGroupSize,
      comment_min_group_size: input.commentMinGroupSize,
      open_question: input.openQuestion,
      audience_team_ids: input.audience.teams === null ? null : [...input.audience.teams],
      audience_tiers: input.audience.tiers === null ? null : [...input.audience.tiers],
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // The run's own partition of sealed_responses, where its responses wait until release.
  await sql`select open_sealed_responses(${run.id})`.execute(trx);
  for (let start = 0; start < input.teams.length; start += 2000) {
    await trx
      .insertInto('run_teams')
      .values(
        input.teams.slice(start, start + 2000).map((t) => ({
          organization_id: organizationId,
          run_id: run.id,
          team_id: t.id,
          name: t.name,
          parent_id: t.parentId,
          merged_tiers: [...t.mergedTiers],
        })),
      )
      .execute();
  }
  await trx
    .insertInto('run_questions')
    .values(
      input.questions.map((q, position) => ({
        organization_id: organizationId,
        run_id: run.id,
        priority_id: q.priorityId,
        dimension: q.dimension,
        text: q.text,
        position,
        kind: q.kind ?? 'bank',
        audience_tier: q.audienceTier ?? null,
      })),
    )
    .execute();
  for (let start = 0; start < input.invitees.length; start += 1000) {
    await trx
      .insertInto('invitations')
      .values(
        input.invitees.slice(start, start + 1000).map((i) => ({
          id: i.id,
          organization_id: organizationId,
          run_id: run.id,
          person_id: i.personId,
          secret_hash: i.secretHash,
          segment_team_id: i.segmentTeamId,
          segment_tier: i.segmentTier,
        })),
      )
      .execute();
  }
  return run.id;
}

/** Runs of a pulse, newest first. */
export async function listRuns(trx: TenantTransaction, pulseId: string): Promise<RunRecord[]> {
  const rows = await trx
    .selectFrom('runs')
    .selectAll()
    .where('pulse_id', '=', pulseId)
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toRunRecord);
}

/** Closes an open run now; false when it was already closed. */
export async function closeRun(trx: TenantTransaction, runId: string, now: Date): Promise<boolean> {
  const result = await trx
    .updateTable('runs')
    .set({ closed_at: now })
    .where('id', '=', runId)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Per token segment of a run: how many were invited, collected their token, and responded:
 * responses waiting sealed, by the segment of their token, and any stored before the
 * release (those of a run begun before sealing existed, whose sealed rows are empty token
 * markers, or of the demo). What participation is planned from while the run is open. A
 * release, which counts the responses itself as it moves them, passes those counts as
 * `answered`, and they are used as they are.
 */
export async function segmentParticipation(
  trx: TenantTransaction,
  runId: string,
  answered?: readonly { teamId: string | null; tier: TierValue; count: number }[],
): Promise<SegmentParticipation[]> {
  const responded =
    answered === undefined
      ? sql`select segment_team_id, segment_tier from sealed_responses
             where run_id = ${runId} and octet_length(sealed) > 0
            union all
            select segment_team_id, segment_tier from responses where run_id = ${runId}`
      : sql`select segment_team_id, segment_tier
              from unnest(${answered.map((s) => s.teamId)}::uuid[],
                          ${answered.map((s) => s.tier)}::text[],
                          ${answered.map((s) => s.count)}::integer[]) as w(segment_team_id, segment_tier, n),
                   generate_series(1, w.n)`;
  const { rows } = await sql<{
    team_id: string | null;
    tier: TierValue;
    invited: number;
    tokens_collected: number;
    responses: number;
  }>`
    select i.segment_team_id as team_id, i.segment_tier as tier, i.invited, i.tokens_collected,
           coalesce(s.responses, 0)::int as responses
      from (select segment_team_id, segment_tier, count(*)::int as invited,
                   count(*) filter (where token_collected)::int as tokens_collected
              from invitations where run_id = ${runId}
             group by segment_team_id, segment_tier) i
      left join (select segment_team_id, segment_tier, count(*)::int as responses
                   from (${responded}) answered
                  group by segment_team_id, segment_tier) s
        on s.segment_team_id is not distinct from i.segment_team_id
       and s.segment_tier = i.segment_tier
  `.execute(trx);
  return rows.map((r) => ({
    teamId: r.team_id,
    tier: r.tier,
    invited: r.invited,
    tokensCollected: r.tokens_collected,
    responses: r.responses,
  }));
}

/**
 * Runs whose release is due, across organizations (closed by hand, or past their deadline,
 * and not yet released), through the owner-defined `due_releases`.
 */
export async function dueReleases(
  db: Kysely<Database>,
  limit: number,
): Promise<{ organizationId: string; runId: string }[]> {
  const { rows } = await sql<{ organization_id: string; run_id: string }>`
    select organization_id, run_id from due_releases(${limit}::integer)
  `.execute(db);
  return rows.map((r) => ({ organizationId: r.organization_id, runId: r.run_id }));
}

/**
 * Locks a run for its release (`FOR UPDATE`: waits for intake batches holding it under
 * `FOR SHARE`, and keeps a second release out); null when it is not the tenant's.
 */
export async function lockRun(trx: TenantTransaction, runId: string): Promise<RunRecord | null> {
  const row = await trx
    .selectFrom('runs')
    .selectAll()
    .where('id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? null : toRunRecord(row);
}

/** One run, read by primary key alone (no participation counts). */
export async function findRun(trx: TenantTransaction, runId: string): Promise<RunRecord | null> {
  const row = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return row === undefined ? null : toRunRecord(row);
}

/** The runs of a pulse, oldest first. */
export async function runsOfPulse(trx: TenantTransaction, pulseId: string): Promise<RunRecord[]> {
  const rows = await trx
    .selectFrom('runs')
    .selectAll()
    .where('pulse_id', '=', pulseId)
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  return rows.map(toRunRecord);
}

function toRunRecord(row: Selectable<RunTable>): RunRecord {
  return {
    id: row.id,
    pulseId: row.pulse_id,
    openedAt: row.opened_at,
    closesAt: row.closes_at,
    closedAt: row.closed_at,
    releasedAt: row.released_at,
    invited: row.invited,
    minGroupSize: row.min_group_size,
    commentMinGroupSize: row.comment_min_group_size,
    openQuestion: row.open_question,
    audience: { teams: row.audience_team_ids, tiers: row.audience_tiers },
  };
}

/** The run of a pulse's scheduled occurrence, if it was started (its id). */
export async function runOfOccurrence(
  trx: TenantTransaction,
  pulseId: string,
  scheduledFor: Date,
): Promise<string | null> {
  const row = await trx
    .selectFrom('runs')
    .select('id')
    .where('pulse_id', '=', pulseId)
    .where('scheduled_for', '=', scheduledFor)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** A pulse that recurs (its schedule set, not paused, not deleted), across organizations. */
export interface ScheduledPulse {
  readonly organizationId: string;
  readonly pulseId: string;
  readonly cron: string;
  readonly timezone: string;
  readonly everyWeeks: number;
  readonly anchor: Date | null;
}

/** Every pulse that recurs, across organizations (`scheduled_pulses`: ids and schedules only). */
export async function scheduledPulses(db: Kysely<Database>): Promise<ScheduledPulse[]> {
  const { rows } = await sql<{
    organization_id: string;
    pulse_id: string;
    cron: string;
    timezone: string;
    every_weeks: number;
    anchor: Date | null;
  }>`select organization_id, pulse_id, cron, timezone, every_weeks, anchor from scheduled_pulses()`.execute(
    db,
  );
  return rows.map((r) => ({
    organizationId: r.organization_id,
    pulseId: r.pulse_id,
    cron: r.cron,
    timezone: r.timezone,
    everyWeeks: r.every_weeks,
    anchor: r.anchor,
  }));
}
