import type { TenantTransaction } from '../tenant.js';

/** An organization's custom Likert item. */
export interface CustomItemRecord {
  readonly key: string;
  readonly statement: string;
}

/** The organization's custom items, by key. */
export async function listCustomItems(trx: TenantTransaction): Promise<CustomItemRecord[]> {
  return trx.selectFrom('custom_items').select(['key', 'statement']).orderBy('key').execute();
}

/** Adds a custom item; false when the organization has one with that key already. */
export async function createCustomItem(
  trx: TenantTransaction,
  organizationId: string,
  item: CustomItemRecord,
): Promise<boolean> {
  const result = await trx
    .insertInto('custom_items')
    .values({ organization_id: organizationId, key: item.key, statement: item.statement })
    .onConflict((oc) => oc.columns(['organization_id', 'key']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
