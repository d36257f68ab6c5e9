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
    const keep = entries.map((e) => e.email);
    let query = trx
      .updateTable('people')
      .set({ active: false, updated_at: now })
      .where('active', '=', true);
    if (keep.length > 0) query = query.where('email', 'not in', keep);
    const result = await query.executeTakeFirst();
    deactivated = Number(result.numUpdatedRows);
  }
  return { created, updated, deactivated };
}

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
  if (names.length > 0) {
    await trx
      .insertInto('teams')
      .values(names.map((name) => ({ organization_id: organizationId, name })))
      .onConflict((oc) => oc.columns(['organization_id', 'name']).doNothing())
      .execute();
  }
  const ids = new Map(
    (await trx.selectFrom('teams').select(['id', 'name']).execute()).map((t) => [t.name, t.id]),
  );
  for (const [team, parent] of parents) {
    if (parent === null) continue;
    await trx
      .updateTable('teams')
      .set({ parent_id: mustGet(ids, parent) })
      .where('id', '=', mustGet(ids, team))
      .execute();
  }
  return ids;
}

function mustGet(map: Map<string, string>, key: string): string {
  const value = map.get(key);
  if (value === undefined) throw new Error(`team ${key} was not created`);
  return value;
}
