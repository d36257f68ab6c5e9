import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must not import application code; later changes are new files.

/**
 * The organization's custom Likert items (PRODUCT.md §4: "Admins may add custom Likert
 * items; they are analysed like the bank's"), and the pulse option that asks leaders to
 * predict the frontline's staffing and feasibility answers (the blind spot).
 *
 * `custom_items`: one per organization and key (`custom-…`), with its statement, which
 * holds `{P}` where the priority's title goes. A run copies the statement into its
 * `run_questions` when it starts, so a run keeps what it asked.
 *
 * `pulses.predictions`: its runs add, per priority, a prediction item of staffing and of
 * feasibility asked of leadership only. A run's prediction of staffing has the same priority
 * and dimension as its bank item of staffing, so a run's items are unique by kind too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table custom_items (
      organization_id uuid not null references organizations(id) on delete cascade,
      key text not null check (key ~ '^custom-[a-z0-9-]{1,33}$'),
      statement text not null
        check (length(statement) between 10 and 300 and position('{P}' in statement) > 0),
      primary key (organization_id, key)
    );
    alter table custom_items enable row level security;
    alter table custom_items force row level security;
    create policy tenant_isolation on custom_items
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization());

    alter table pulses add column predictions boolean not null default false;

    alter table run_questions drop constraint if exists run_questions_run_id_priority_id_dimension_key;
    create unique index run_questions_item on run_questions (run_id, priority_id, dimension, kind)
      where decision_id is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index run_questions_item;
    delete from run_questions where kind = 'prediction';
    alter table pulses drop column predictions;
    drop table custom_items;
  `.execute(db);
}
