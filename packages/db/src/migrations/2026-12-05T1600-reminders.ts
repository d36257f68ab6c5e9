import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * Reminders, launch notices, and schedules of every n weeks.
 *
 * A schedule may run every n weeks (`schedule_every_weeks`, 1 to 4): of its cron
 * expression's occurrences only those in every n-th week count, counted from the week of
 * the first occurrence at or after `schedule_anchor` (when the schedule was set).
 * `scheduled_pulses()` returns both.
 *
 * A pulse says when its runs remind those who have not collected a token: at the middle of
 * the window (`remind_at_half_window`) and a number of hours before close
 * (`remind_hours_before_close`, null for none). The organization says how long before a
 * scheduled run its admins hear what will go out (`launch_notice_hours`, 0 for never).
 *
 * `run_reminders`: one row per reminder of a run, made when the run starts (and one for each
 * "send reminder now"). `due_at` is when it is due (the run's times, or the moment HR asked);
 * a reminder due outside the organization's sending hours waits for the next opening. While
 * it goes out, `after_invitation` is the last invitation it reached (ids are random, so
 * this tells nothing of who), and it is cleared when the reminder is done. Nothing records
 * who was reminded: that would say who had not collected a token by when.
 *
 * `launch_notices`: one row per pulse occurrence whose notice was asked for, so each goes out
 * once. Its time is the schedule's, which every reader of the pulse sees.
 *
 * `due_reminders(limit)` lists due reminders across organizations for the workers' sweep,
 * ids only; it runs as `pulsegap_definer`, which may read reminders for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table pulses
      add column schedule_every_weeks smallint not null default 1
        check (schedule_every_weeks between 1 and 4),
      add column schedule_anchor timestamptz,
      add column remind_at_half_window boolean not null default true,
      add column remind_hours_before_close integer default 24
        check (remind_hours_before_close between 1 and 2160);
    alter table organizations
      add column launch_notice_hours integer not null default 48
        check (launch_notice_hours between 0 and 720);

    create table run_reminders (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      run_id uuid not null references runs(id) on delete cascade,
      kind text not null check (kind in ('half-window', 'before-close', 'manual')),
      due_at timestamptz not null,
      state text not null default 'due' check (state in ('due', 'queued', 'sent', 'skipped')),
      after_invitation uuid
    );
    create unique index run_reminders_one_per_kind on run_reminders (run_id, kind)
      where kind <> 'manual';
    create index run_reminders_due on run_reminders (due_at) where state = 'due';
    create index run_reminders_run on run_reminders (run_id, due_at);

    create table launch_notices (
      organization_id uuid not null references organizations(id) on delete cascade,
      pulse_id uuid not null references pulses(id) on delete cascade,
      scheduled_for timestamptz not null,
      primary key (pulse_id, scheduled_for)
    );
  `.execute(db);
  for (const table of ['run_reminders', 'launch_notices']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`alter table ${sql.table(table)} force row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
        using (organization_id = app_current_organization())
        with check (organization_id = app_current_organization())
    `.execute(db);
  }
  await sql`
    create policy definer_reminders on run_reminders for select to pulsegap_definer
      using (true);
    create function due_reminders(p_limit integer)
      returns table (organization_id uuid, reminder_id uuid)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$
        select r.organization_id, r.id from run_reminders r
         where r.state = 'due' and r.due_at <= now()
         order by r.due_at
         limit p_limit
      $$;
    revoke all on function due_reminders(integer) from public;

    drop function scheduled_pulses();
    create function scheduled_pulses()
      returns table (organization_id uuid, pulse_id uuid, cron text, timezone text,
                     every_weeks smallint, anchor timestamptz)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$
        select p.organization_id, p.id, p.schedule_cron, p.schedule_timezone,
               p.schedule_every_weeks, p.schedule_anchor
          from pulses p
         where p.schedule_cron is not null and p.schedule_timezone is not null
           and not p.paused and p.deleted_at is null
         order by p.id
      $$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function scheduled_pulses();
    create function scheduled_pulses()
      returns table (organization_id uuid, pulse_id uuid, cron text, timezone text)
      language sql stable security definer set search_path = pg_catalog, public, pg_temp
      as $$
        select p.organization_id, p.id, p.schedule_cron, p.schedule_timezone from pulses p
         where p.schedule_cron is not null and p.schedule_timezone is not null
           and not p.paused and p.deleted_at is null
         order by p.id
      $$;
    drop function due_reminders(integer);
    drop table launch_notices, run_reminders;
    alter table organizations drop column launch_notice_hours;
    alter table pulses drop column remind_at_half_window, drop column remind_hours_before_close,
      drop column schedule_every_weeks, drop column schedule_anchor;
  `.execute(db);
}
