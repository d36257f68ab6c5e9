import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The organization's settings, whose thresholds are the floor every pulse must respect
 * (k at least 3, comments at least k); pulses that can be paused and deleted (softly: their
 * runs stay); and the append-only audit log of roster, user, priority, pulse, settings and
 * run changes.
 *
 * Thresholds only go up: a trigger refuses an UPDATE that lowers an organization's or a
 * pulse's threshold, whoever runs it. The audit log is append-only twice over: the
 * application role is granted only SELECT and INSERT on it (see `grantApplicationRole`),
 * and a trigger refuses UPDATE, DELETE and TRUNCATE to every role, the owner included.
 * Its rows reference their organization without a cascade, so an organization with a
 * history cannot be deleted by accident either.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table organizations
      add column timezone text not null default 'UTC' check (length(timezone) between 1 and 64),
      add column min_group_size integer not null default 5 check (min_group_size >= 3),
      add column comment_min_group_size integer not null default 10,
      add column quiet_hours_from text not null default '09:00'
        check (quiet_hours_from ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      add column quiet_hours_to text not null default '17:00'
        check (quiet_hours_to ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      add column quiet_hours_weekdays smallint[] not null default '{1,2,3,4,5}'
        check (array_ndims(quiet_hours_weekdays) = 1 and cardinality(quiet_hours_weekdays) <= 7
          and 1 <= all (quiet_hours_weekdays) and 7 >= all (quiet_hours_weekdays)),
      add constraint organizations_comment_min_group_size_check
        check (comment_min_group_size >= min_group_size);

    alter table pulses
      add column paused boolean not null default false,
      add column deleted_at timestamptz;

    create function refuse_lower_thresholds() returns trigger
      language plpgsql
      as $$
      begin
        if new.min_group_size < old.min_group_size
           or new.comment_min_group_size < old.comment_min_group_size then
          raise exception 'the minimum group sizes of % only go up', tg_table_name
            using errcode = 'check_violation';
        end if;
        return new;
      end
      $$;
    create trigger organizations_thresholds_only_go_up
      before update of min_group_size, comment_min_group_size on organizations
      for each row execute function refuse_lower_thresholds();
    create trigger pulses_thresholds_only_go_up
      before update of min_group_size, comment_min_group_size on pulses
      for each row execute function refuse_lower_thresholds();

    create table audit_events (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id),
      at timestamptz not null default now(),
      actor_user_id uuid,
      actor_email text,
      action text not null check (length(action) between 1 and 100),
      subject text not null check (length(subject) between 1 and 300),
      detail jsonb not null default '{}'
    );
    create index audit_events_organization_at_idx on audit_events(organization_id, at desc, id desc);

    create function refuse_audit_change() returns trigger
      language plpgsql
      as $$
      begin
        raise exception 'audit_events is append-only: % is refused', tg_op
          using errcode = 'insufficient_privilege';
      end
      $$;
    create trigger audit_events_append_only
      before update or delete or truncate on audit_events
      for each statement execute function refuse_audit_change();

    alter table audit_events enable row level security;
    alter table audit_events force row level security;
    create policy tenant_isolation on audit_events
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization());
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists audit_events;
    drop function if exists refuse_audit_change();
    drop trigger if exists pulses_thresholds_only_go_up on pulses;
    drop trigger if exists organizations_thresholds_only_go_up on organizations;
    drop function if exists refuse_lower_thresholds();
    alter table pulses drop column if exists deleted_at, drop column if exists paused;
    alter table organizations
      drop constraint if exists organizations_comment_min_group_size_check,
      drop column if exists quiet_hours_weekdays,
      drop column if exists quiet_hours_to,
      drop column if exists quiet_hours_from,
      drop column if exists comment_min_group_size,
      drop column if exists min_group_size,
      drop column if exists timezone;
  `.execute(db);
}
