import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- One RSA key pair per run and segment, for blind-signature tokens. The private key is
    -- sealed (AES-256-GCM) with a key that is not in the database.
    create table segment_keys (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      segment_team_id uuid references teams(id),
      segment_tier text not null check (segment_tier in ('leadership', 'frontline')),
      public_key bytea not null,
      private_key_sealed bytea not null,
      fingerprint text not null,
      unique nulls not distinct (run_id, segment_team_id, segment_tier)
    );

    -- Whether the invitation's message went out; never what came back.
    alter table invitations add column delivered boolean not null default false;

    -- Messages the service would have e-mailed, where no SMTP server is configured.
    create table outbound_messages (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      recipient text not null,
      subject text not null,
      body text not null,
      link text,
      created_at timestamptz not null default now()
    );
    create index outbound_messages_organization_idx on outbound_messages(organization_id, created_at);
  `.execute(db);

  for (const table of ['segment_keys', 'outbound_messages']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (organization_id = app_current_organization())
        with check (organization_id = app_current_organization())
    `.execute(db);
  }

  // Employees have no account: their routes learn the tenant from what they hold (an
  // invitation secret's hash, a run id). These owner-defined functions return only the
  // organization; everything else is read inside the tenant's transaction.
  await sql`
    create policy owner_lookup on invitations for select to current_user using (true);
    create policy owner_lookup on runs for select to current_user using (true);

    create function organization_of_invitation(p_secret_hash bytea) returns uuid
      language sql stable security definer set search_path = public
      as $$ select organization_id from invitations where secret_hash = p_secret_hash $$;
    revoke all on function organization_of_invitation(bytea) from public;

    create function organization_of_run(p_run_id uuid) returns uuid
      language sql stable security definer set search_path = public
      as $$ select organization_id from runs where id = p_run_id $$;
    revoke all on function organization_of_run(uuid) from public;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists organization_of_run(uuid);
    drop function if exists organization_of_invitation(bytea);
    drop policy if exists owner_lookup on runs;
    drop policy if exists owner_lookup on invitations;
    drop table if exists outbound_messages, segment_keys;
    alter table invitations drop column if exists delivered;
  `.execute(db);
}
