import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The owner-defined (SECURITY DEFINER) functions stop running as the role that migrates
 * (a superuser, in development): they belong to `pulsegap_definer`, a role made by migrate
 * that is no superuser, cannot bypass row-level security and cannot log in (migrate also
 * moves the functions to it, with a search path that ends in pg_temp, every time it runs).
 * What those functions read and change across organizations is allowed to that role by the
 * policies here, and to nobody else: users (the login lookup), invitations (finding one by
 * its secret, collecting its token) and runs.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter policy owner_login_lookup on users to pulsegap_definer;
    alter policy owner_lookup on invitations to pulsegap_definer;
    alter policy owner_lookup on runs to pulsegap_definer;
    create policy definer_token_claim on invitations for update to pulsegap_definer
      using (true) with check (true);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop policy definer_token_claim on invitations;
    alter policy owner_login_lookup on users to current_user;
    alter policy owner_lookup on invitations to current_user;
    alter policy owner_lookup on runs to current_user;
  `.execute(db);
}
