import { sql } from 'kysely';
import type { TierValue } from '../schema.js';
import type { TenantTransaction } from '../tenant.js';

/** A team as the API shows it. */
export interface TeamView {
  readonly id: string;
  readonly name: string;
  readonly parentId: string | null;
}

/** A roster entry as the API shows it. */
export interface PersonView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly teamId: string;
  readonly team: string;
  readonly tier: TierValue;
  readonly active: boolean;
}

/** One validated roster row to apply. */
export interface RosterEntry {
  readonly email: string;
  readonly name: string;
  readonly team: string;
  readonly tier: TierValue;
  readonly parentTeam: string | null;
}

export async function listTeams(trx: TenantTransaction): Promise<TeamView[]> {
  const rows = await trx
    .selectFrom('teams')
    .select(['id', 'name', 'parent_id'])
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id }));
}

export async function listPeople(trx: TenantTransaction): Promise<PersonView[]> {
  const rows = await trx
    .selectFrom('people')
    .innerJoin('teams', 'teams.id', 'people.team_id')
    .select([
      'people.id',
      'people.email',
      'people.name',
      'people.team_id',
      'teams.name as team',
      'people.tier',
      'people.active',
    ])
    .orderBy('people.email')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    teamId: r.team_id,
    team: r.team,
    tier: r.tier,
    active: r.active,
  }));
}

/**
 * Applies a validated roster in the caller's transaction: teams are created by name (and
 * their parents set where given), people are created or updated by email, and, when asked,
 * everyone not in the roster is deactivated.
 */
export async function applyRoster(
  trx: TenantTransaction,
  organizationId: string,
  entries: readonly RosterEntry[],
  options: { deactivateMissing: boolean },
): Promise<{ created: number; updated: number; deactivated: number }> {
  const teamIds = await ensureTeams(trx, organizationId, entries);
  const existing = new Set(
    (await trx.selectFrom('people').select('email').execute()).map((r) => r.email),
  );
  let created = 0;
  let updated = 0;
  const now = new Date();
  for (let start = 0; start < entries.length; start += 1000) {
    const chunk = entries.slice(start, start + 1000);
    await trx
      .insertInto('people')
      .values(
        chunk.map((e) => ({
          organization_id: organizationId,
          email: e.email,
          name: e.name,
          team_id: mustGet(teamIds, e.team),
          tier: e.tier,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['organization_id', 'email']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          team_id: eb.ref('excluded.team_id'),
          tier: eb.ref('excluded.tier'),
          active: true,
          updated_at: now,
        })),
      )
      .execute();
    for (const e of chunk) {
      if (existing.has(e.email)) updated += 1;
      else created += 1;
    }
  }
  let deactivated = 0;
  if (options.deactivateMissing) {
    // One array, not a parameter per listed person: a roster may list more people than a
    // statement takes parameters.
    const keep = entries.map((e) => e.email);
    const result = await trx
      .updateTable('people')
      .set({ active: false, updated_at: now })
      .where('active', '=', true)
      .where(sql<boolean>`email <> all(${keep}::text[])`)
      .executeTakeFirst();
    deactivated = Number(result.numUpdatedRows);
  }
  return { created, updated, deactivated };
}

/** How many people of the organization are active. */
export async function countActivePeople(trx: TenantTransaction): Promise<number> {
  const row = await trx
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('active', '=', true)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Teams written a statement (two parameters each). */
const TEAMS_A_STATEMENT = 5000;

async function ensureTeams(
  trx: TenantTransaction,
  organizationId: string,
  entries: readonly RosterEntry[],
): Promise<Map<string, string>> {
  const parents = new Map<string, string | null>();
  for (const e of entries) {
    if (!parents.has(e.team) || e.parentTeam !== null) parents.set(e.team, e.parentTeam);
    if (e.parentTeam !== null && !parents.has(e.parentTeam)) parents.set(e.parentTeam, null);
  }
  const names = [...parents.keys()];
  // In chunks: a roster may name more teams than one statement takes parameters (65,535).
  for (let start = 0; start < names.length; start += TEAMS_A_STATEMENT) {
    await trx
      .insertInto('teams')
      .values(
        names
          .slice(start, start + TEAMS_A_STATEMENT)
          .map((name) => ({ organization_id: organizationId, name })),
      )
      .onConflict((oc) => oc.columns(['organization_id', 'name']).doNothing())
      .execute();
  }
  const ids = new Map(
    (await trx.selectFrom('teams').select(['id', 'name']).execute()).map((t) => [t.name, t.id]),
  );
  const parented = [...parents].flatMap(([team, parent]) =>
    parent === null ? [] : [{ id: mustGet(ids, team), parentId: mustGet(ids, parent) }],
  );
  for (let start = 0; start < parented.length; start += TEAMS_A_STATEMENT) {
    const chunk = parented.slice(start, start + TEAMS_A_STATEMENT);
    await sql`
      update teams t set parent_id = p.parent_id
        from unnest(${chunk.map((c) => c.id)}::uuid[], ${chunk.map((c) => c.parentId)}::uuid[])
               as p(id, parent_id)
       where t.id = p.id
    `.execute(trx);
  }
  return ids;
}

function mustGet(map: Map<string, string>, key: string): string {
  const value = map.get(key);
  if (value === undefined) throw new Error(`team ${key} was not created`);
  return value;
}
