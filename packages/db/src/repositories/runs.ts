import { sql, type Selectable } from 'kysely';
import type { RunTable, TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** How many were invited, collected a token, and responded. */
export interface Participation {
  readonly invited: number;
  readonly tokensCollected: number;
  readonly responses: number;
}

/** A run of a pulse as the API shows it. */
export interface RunView {
  readonly id: string;
  readonly pulseId: string;
  readonly openedAt: Date;
  readonly closesAt: Date;
  readonly closedAt: Date | null;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
  readonly participation: Participation;
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

/** Creates a run with its frozen questions and its invitations. */
export async function createRun(
  trx: TenantTransaction,
  organizationId: string,
  input: {
    pulseId: string;
    openedAt: Date;
    closesAt: Date;
    minGroupSize: number;
    commentMinGroupSize: number;
    questions: readonly { priorityId: string; dimension: string; text: string }[];
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
      invited: input.invitees.length,
      min_group_size: input.minGroupSize,
      comment_min_group_size: input.commentMinGroupSize,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
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

/** Runs of a pulse, newest first, or the one run with `runId`. */
export async function listRuns(
  trx: TenantTransaction,
  filter: { pulseId: string } | { runId: string },
): Promise<RunView[]> {
  let query = trx
    .selectFrom('runs')
    .selectAll('runs')
    .select((eb) => [
      eb
        .selectFrom('invitations')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('invitations.run_id', '=', 'runs.id')
        .where('invitations.token_collected', '=', true)
        .as('tokens_collected'),
      eb
        .selectFrom('responses')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('responses.run_id', '=', 'runs.id')
        .as('responses'),
    ])
    .orderBy('runs.opened_at', 'desc')
    .orderBy('runs.id', 'desc');
  query =
    'pulseId' in filter
      ? query.where('runs.pulse_id', '=', filter.pulseId)
      : query.where('runs.id', '=', filter.runId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    pulseId: r.pulse_id,
    openedAt: r.opened_at,
    closesAt: r.closes_at,
    closedAt: r.closed_at,
    minGroupSize: r.min_group_size,
    commentMinGroupSize: r.comment_min_group_size,
    participation: {
      invited: r.invited,
      tokensCollected: r.tokens_collected ?? 0,
      responses: r.responses ?? 0,
    },
  }));
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

/** Participation of one segment team of a run. */
export interface TeamParticipation extends Participation {
  readonly teamId: string;
  readonly team: string;
}

/**
 * Participation per segment team of a run, only for teams with at least `minInvited`
 * invitees: counting a smaller group's tokens or responses would describe too few people.
 */
export async function teamParticipation(
  trx: TenantTransaction,
  runId: string,
  minInvited: number,
): Promise<TeamParticipation[]> {
  const { rows } = await sql<{
    team_id: string;
    team: string;
    invited: number;
    tokens_collected: number;
    responses: number;
  }>`
    select i.segment_team_id as team_id, t.name as team, count(*)::int as invited,
      count(*) filter (where i.token_collected)::int as tokens_collected,
      (select count(*)::int from responses r
        where r.run_id = ${runId} and r.segment_team_id = i.segment_team_id) as responses
    from invitations i join teams t on t.id = i.segment_team_id
    where i.run_id = ${runId}
    group by i.segment_team_id, t.name
    having count(*) >= ${minInvited}
    order by t.name
  `.execute(trx);
  return rows.map((r) => ({
    teamId: r.team_id,
    team: r.team,
    invited: r.invited,
    tokensCollected: r.tokens_collected,
    responses: r.responses,
  }));
}

/** A run without its counts: what the employee routes check on every request. */
export type RunRecord = Omit<RunView, 'participation'>;

/** One run, read by primary key alone (no participation counts). */
export async function findRun(trx: TenantTransaction, runId: string): Promise<RunRecord | null> {
  const row = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return row === undefined ? null : toRunRecord(row);
}

/** The runs of a pulse, oldest first, without participation counts (see `listRuns`). */
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
    minGroupSize: row.min_group_size,
    commentMinGroupSize: row.comment_min_group_size,
  };
}
