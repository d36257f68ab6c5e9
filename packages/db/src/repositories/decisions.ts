import { sql } from 'kysely';
import type { TenantTransaction } from '../tenant.js';

/** A decision of the organization's log, with its priority's title and team's name. */
export interface DecisionRecord {
  readonly id: string;
  readonly title: string;
  readonly priorityId: string;
  readonly priorityTitle: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly tradeoff: string;
  /** A calendar date, `YYYY-MM-DD`. */
  readonly reviewOn: string;
  readonly status: 'open' | 'retired';
  readonly sessionId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a decision is recorded with. */
export interface NewDecision {
  readonly title: string;
  readonly priorityId: string;
  readonly teamId: string;
  readonly tradeoff: string;
  readonly reviewOn: string;
  readonly sessionId: string | null;
}

/** The fields of a decision that may be revised. */
export interface DecisionChanges {
  readonly title?: string;
  readonly tradeoff?: string;
  readonly reviewOn?: string;
  readonly teamId?: string;
  readonly status?: 'open' | 'retired';
}

function decisionQuery(trx: TenantTransaction) {
  return trx
    .selectFrom('decisions')
    .innerJoin('priorities', 'priorities.id', 'decisions.priority_id')
    .innerJoin('teams', 'teams.id', 'decisions.team_id')
    .select([
      'decisions.id',
      'decisions.title',
      'decisions.priority_id',
      'priorities.title as priority_title',
      'decisions.team_id',
      'teams.name as team_name',
      'decisions.tradeoff',
      sql<string>`to_char(decisions.review_on, 'YYYY-MM-DD')`.as('review_on'),
      'decisions.status',
      'decisions.session_id',
      'decisions.created_at',
      'decisions.updated_at',
    ]);
}

type DecisionRow = Awaited<ReturnType<ReturnType<typeof decisionQuery>['executeTakeFirstOrThrow']>>;

function toRecord(r: DecisionRow): DecisionRecord {
  return {
    id: r.id,
    title: r.title,
    priorityId: r.priority_id,
    priorityTitle: r.priority_title,
    teamId: r.team_id,
    teamName: r.team_name,
    tradeoff: r.tradeoff,
    reviewOn: r.review_on,
    status: r.status,
    sessionId: r.session_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The organization's decisions, newest first. */
export async function listDecisions(trx: TenantTransaction): Promise<DecisionRecord[]> {
  const rows = await decisionQuery(trx)
    .orderBy('decisions.created_at', 'desc')
    .orderBy('decisions.id')
    .execute();
  return rows.map(toRecord);
}

/** One decision of the organization; null when it is none of its. */
export async function findDecision(
  trx: TenantTransaction,
  id: string,
): Promise<DecisionRecord | null> {
  const row = await decisionQuery(trx).where('decisions.id', '=', id).executeTakeFirst();
  return row === undefined ? null : toRecord(row);
}

export async function createDecision(
  trx: TenantTransaction,
  organizationId: string,
  input: NewDecision,
): Promise<string> {
  const row = await trx
    .insertInto('decisions')
    .values({
      organization_id: organizationId,
      priority_id: input.priorityId,
      team_id: input.teamId,
      session_id: input.sessionId,
      title: input.title,
      tradeoff: input.tradeoff,
      review_on: input.reviewOn,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Revises a decision (its `updated_at` set to now); false when it is none of the organization's. */
export async function updateDecision(
  trx: TenantTransaction,
  id: string,
  changes: DecisionChanges,
): Promise<boolean> {
  const result = await trx
    .updateTable('decisions')
    .set({
      ...(changes.title === undefined ? {} : { title: changes.title }),
      ...(changes.tradeoff === undefined ? {} : { tradeoff: changes.tradeoff }),
      ...(changes.reviewOn === undefined ? {} : { review_on: changes.reviewOn }),
      ...(changes.teamId === undefined ? {} : { team_id: changes.teamId }),
      ...(changes.status === undefined ? {} : { status: changes.status }),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The organization's open decisions about any of `priorityIds`, oldest first. */
export async function openDecisionsOf(
  trx: TenantTransaction,
  priorityIds: readonly string[],
): Promise<DecisionRecord[]> {
  if (priorityIds.length === 0) return [];
  const rows = await decisionQuery(trx)
    .where('decisions.status', '=', 'open')
    .where('decisions.priority_id', 'in', [...priorityIds])
    .orderBy('decisions.created_at')
    .orderBy('decisions.id')
    .execute();
  return rows.map(toRecord);
}

/** Whether a team of the organization exists. */
export async function teamExists(trx: TenantTransaction, teamId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('teams')
    .select('id')
    .where('id', '=', teamId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether a room session of the organization exists. */
export async function roomSessionExists(
  trx: TenantTransaction,
  sessionId: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('room_sessions')
    .select('id')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The released runs that asked any decision's follow-up items, oldest first: whose releases
 * every decision's durability is read from. Only their ids: a release never changes once
 * stored, so callers may keep the parsed ones (`readRelease` reads one).
 */
export async function runsAskingDecisions(trx: TenantTransaction): Promise<string[]> {
  const rows = await trx
    .selectFrom('run_releases')
    .innerJoin('runs', 'runs.id', 'run_releases.run_id')
    .select('runs.id')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('run_questions')
          .select('run_questions.id')
          .whereRef('run_questions.run_id', '=', 'runs.id')
          .where('run_questions.decision_id', 'is not', null),
      ),
    )
    .orderBy('runs.opened_at')
    .orderBy('runs.id')
    .execute();
  return rows.map((r) => r.id);
}
