import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * Segment keys made ahead of a run, per organization: an RSA-2048 key pair takes ~150 ms of
 * CPU to make, and a run of 10,000 people in 200 teams needs some 300 of them. A run's start
 * takes keys from its organization's stock (moving each into `segment_keys` under the same
 * id, in the run's own transaction) and makes only what the stock lacks. A stocked private
 * key is sealed as a segment key's is, bound to its id; nobody has seen its public key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table segment_key_stock (
      id uuid primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      public_key bytea not null,
      private_key_sealed bytea not null,
      fingerprint text not null
    );
    create index segment_key_stock_organization_idx on segment_key_stock(organization_id);
    alter table segment_key_stock enable row level security;
    alter table segment_key_stock force row level security;
    create policy tenant_isolation on segment_key_stock
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization());
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists segment_key_stock`.execute(db);
}
