import type { TenantTransaction } from '../tenant.js';

/**
 * The organization's sending hours, in its time zone: messages (reminders, launch notices) go
 * out only from `from` to `to` on `weekdays`; the rest of the week is quiet.
 */
export interface QuietHours {
  /** `HH:MM`. */
  readonly from: string;
  /** `HH:MM`. */
  readonly to: string;
  /** ISO weekdays, 1 = Monday, ascending. */
  readonly weekdays: number[];
}

/**
 * An organization's settings. Its thresholds are the organization-wide floor: every pulse's
 * k and comment threshold are at least these (PRODUCT.md §6.8).
 */
export interface OrganizationSettings {
  readonly timezone: string;
  readonly minGroupSize: number;
  readonly commentMinGroupSize: number;
  readonly quietHours: QuietHours;
  /** How many hours before a scheduled run its admins hear what will go out (0: never). */
  readonly launchNoticeHours: number;
}

/**
 * The settings of the organization the transaction is scoped to. `forUpdate` locks its row
 * until the transaction ends, so a change is checked against the value it replaces.
 */
export async function readSettings(
  trx: TenantTransaction,
  organizationId: string,
  options: { forUpdate?: boolean } = {},
): Promise<OrganizationSettings> {
  let query = trx
    .selectFrom('organizations')
    .select([
      'timezone',
      'min_group_size',
      'comment_min_group_size',
      'quiet_hours_from',
      'quiet_hours_to',
      'quiet_hours_weekdays',
      'launch_notice_hours',
    ])
    .where('id', '=', organizationId);
  if (options.forUpdate === true) query = query.forUpdate();
  const row = await query.executeTakeFirstOrThrow();
  return {
    timezone: row.timezone,
    minGroupSize: row.min_group_size,
    commentMinGroupSize: row.comment_min_group_size,
    quietHours: {
      from: row.quiet_hours_from,
      to: row.quiet_hours_to,
      weekdays: row.quiet_hours_weekdays,
    },
    launchNoticeHours: row.launch_notice_hours,
  };
}

/** Replaces the organization's settings (the caller has checked that thresholds only go up). */
export async function updateSettings(
  trx: TenantTransaction,
  organizationId: string,
  settings: OrganizationSettings,
): Promise<void> {
  await trx
    .updateTable('organizations')
    .set({
      timezone: settings.timezone,
      min_group_size: settings.minGroupSize,
      comment_min_group_size: settings.commentMinGroupSize,
      quiet_hours_from: settings.quietHours.from,
      quiet_hours_to: settings.quietHours.to,
      quiet_hours_weekdays: [...settings.quietHours.weekdays].sort((a, b) => a - b),
      launch_notice_hours: settings.launchNoticeHours,
    })
    .where('id', '=', organizationId)
    .execute();
}
