import type { TenantTransaction } from '../tenant.js';

/** A stated priority as the API shows it. */
export interface PriorityView {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly statedWeight: number;
}

export async function createPriority(
  trx: TenantTransaction,
  organizationId: string,
  input: { title: string; description: string; statedWeight: number },
): Promise<string> {
  const row = await trx
    .insertInto('priorities')
    .values({
      organization_id: organizationId,
      title: input.title,
      description: input.description,
      stated_weight: input.statedWeight,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listPriorities(trx: TenantTransaction): Promise<PriorityView[]> {
  const rows = await trx
    .selectFrom('priorities')
    .select(['id', 'title', 'description', 'stated_weight'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    description: r.description,
    statedWeight: r.stated_weight,
  }));
}

/** The ids among `ids` that exist in the current organization. */
export async function existingPriorityIds(
  trx: TenantTransaction,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await trx.selectFrom('priorities').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}
