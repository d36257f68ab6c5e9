import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The workers keep one job scheduler per scheduled pulse, across organizations:
 * `scheduled_pulses()` lists the pulses that recur (a schedule, not paused, not deleted)
 * with their organization, cron expression and time zone, and nothing else. It runs as
 * `pulsegap_definer`, which may read pulses for it (a policy of that role only).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create policy definer_schedules on pulses for select to pulsegap_definer using (true);
    create function scheduled_pulses()
      returns table (organization_id uuid, pulse_id uuid, cron text, timezone text)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$
        select p.organization_id, p.id, p.schedule_cron, p.schedule_timezone from pulses p
         where p.schedule_cron is not null and p.schedule_timezone is not null
           and not p.paused and p.deleted_at is null
         order by p.id
      $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function scheduled_pulses();
    drop policy definer_schedules on pulses;
  `.execute(db);
}
