import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Table types of the database; columns that may be NULL are `T | null`, never optional. */
export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  teams: TeamTable;
  people: PersonTable;
  priorities: PriorityTable;
  pulses: PulseTable;
  pulse_priorities: PulsePriorityTable;
  runs: RunTable;
  run_questions: RunQuestionTable;
  invitations: InvitationTable;
  responses: ResponseTable;
  sealed_responses: SealedResponseTable;
  run_teams: RunTeamTable;
  run_releases: RunReleaseTable;
  outbox: OutboxTable;
  segment_keys: SegmentKeyTable;
  segment_key_stock: SegmentKeyStockTable;
  outbound_messages: OutboundMessageTable;
  audit_events: AuditEventTable;
  run_reminders: RunReminderTable;
  launch_notices: LaunchNoticeTable;
  room_sessions: RoomSessionTable;
  room_questions: RoomQuestionTable;
  room_pending: RoomPendingTable;
  room_participants: RoomParticipantTable;
  room_participation: RoomParticipationTable;
  custom_items: CustomItemTable;
  decisions: DecisionTable;
}

type CreatedAt = ColumnType<Date, never, never>;

export type TierValue = 'leadership' | 'frontline';
export type UserRole = 'admin' | 'executive';

export interface OrganizationTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
  /** IANA time zone of the organization's schedules and quiet hours. */
  timezone: Generated<string>;
  /** The floor of every pulse's k: pulses may raise it, never undercut it. */
  min_group_size: Generated<number>;
  /** The floor of every pulse's comment threshold; never below `min_group_size`. */
  comment_min_group_size: Generated<number>;
  /** `HH:MM`, in `timezone`. */
  quiet_hours_from: Generated<string>;
  quiet_hours_to: Generated<string>;
  /** ISO weekdays, 1 = Monday. */
  quiet_hours_weekdays: Generated<number[]>;
  /** How long before a scheduled run its admins are told what will go out (0: never). */
  launch_notice_hours: Generated<number>;
}

export interface UserTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  password_hash: string;
  role: UserRole;
  created_at: CreatedAt;
}

export interface TeamTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  parent_id: string | null;
  created_at: CreatedAt;
}

export interface PersonTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  name: string;
  team_id: string;
  tier: TierValue;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, never, Date>;
}

export interface PriorityTable {
  id: Generated<string>;
  organization_id: string;
  title: string;
  description: string;
  stated_weight: number;
  created_at: CreatedAt;
}

export interface PulseTable {
  id: Generated<string>;
  organization_id: string;
  title: string;
  dimensions: string[];
  open_question: boolean;
  audience_team_ids: string[] | null;
  audience_tiers: string[] | null;
  schedule_cron: string | null;
  schedule_timezone: string | null;
  /** The schedule runs in every n-th week only (1: every week). */
  schedule_every_weeks: Generated<number>;
  /** When the schedule was set: its weeks are counted from the first occurrence after. */
  schedule_anchor: Date | null;
  open_for_hours: number;
  min_group_size: number;
  comment_min_group_size: number;
  created_at: CreatedAt;
  /** A paused pulse keeps its schedule but does not recur. */
  paused: Generated<boolean>;
  /** Set when the pulse was deleted: it is gone from every list, its runs stay. */
  deleted_at: Date | null;
  /** Its runs remind at the middle of their window. */
  remind_at_half_window: Generated<boolean>;
  /** Its runs ask leaders to predict the frontline's staffing and feasibility answers. */
  predictions: Generated<boolean>;
  /** Its runs remind this many hours before they close (null: not). */
  remind_hours_before_close: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface PulsePriorityTable {
  pulse_id: string;
  priority_id: string;
  organization_id: string;
  position: number;
}

export interface RunTable {
  id: Generated<string>;
  organization_id: string;
  pulse_id: string;
  opened_at: ColumnType<Date, Date | undefined, never>;
  closes_at: Date;
  closed_at: Date | null;
  invited: number;
  min_group_size: number;
  comment_min_group_size: number;
  audience_team_ids: string[] | null;
  audience_tiers: TierValue[] | null;
  /** Whether the run asks the open question (frozen from its pulse at start). */
  open_question: boolean;
  /** When the run's release was stored; null until then. */
  released_at: Date | null;
  /** The schedule's occurrence a scheduled run is for (one run per pulse and occurrence). */
  scheduled_for: ColumnType<Date | null, Date | null | undefined, never>;
}

/** A team of a run's snapshot: the tree as it was when the run started. */
export interface RunTeamTable {
  organization_id: string;
  run_id: string;
  team_id: string;
  name: string;
  parent_id: string | null;
  /** Tiers of which some of the team's invitees were counted with the whole organization. */
  merged_tiers: TierValue[];
}

/**
 * An accepted response of an open run, sealed (`sealResponse`): no timestamp, no id that
 * orders, every one of a run the same length. Empty `sealed`: stored before sealing existed.
 */
export interface SealedResponseTable {
  token_hash: Buffer;
  organization_id: string;
  run_id: string;
  segment_team_id: string | null;
  segment_tier: TierValue;
  sealed: Buffer;
}

/** A run's release: the one document every read of a closed run serves. */
export interface RunReleaseTable {
  run_id: string;
  organization_id: string;
  /** JSON text on write; the parsed document on read. */
  document: ColumnType<unknown, string, never>;
}

export interface RunQuestionTable {
  id: Generated<string>;
  organization_id: string;
  run_id: string;
  priority_id: string;
  dimension: string;
  text: string;
  position: number;
  /** `bank` (the question bank), `custom`, `prediction` (leaders predict the frontline), or a decision's follow-up: `settled`, `stopped`. */
  kind: Generated<RunQuestionKind>;
  /** The tier it is asked of; null: both. */
  audience_tier: TierValue | null;
  /** The team (with the teams under it) it is asked of; null: everyone the run invites. */
  audience_team_id: string | null;
  /** The decision a follow-up item asks about. */
  decision_id: string | null;
}

export type RunQuestionKind = 'bank' | 'custom' | 'prediction' | 'settled' | 'stopped';

export interface InvitationTable {
  id: Generated<string>;
  organization_id: string;
  run_id: string;
  person_id: string;
  secret_hash: Buffer;
  segment_team_id: string | null;
  segment_tier: TierValue;
  token_collected: Generated<boolean>;
  /** SHA-256 of the blinded message the token was claimed with; null until claimed. */
  blinded_digest: Buffer | null;
  delivered: Generated<boolean>;
}

export interface SegmentKeyTable {
  id: Generated<string>;
  organization_id: string;
  run_id: string;
  segment_team_id: string | null;
  segment_tier: TierValue;
  public_key: Buffer;
  private_key_sealed: Buffer;
  fingerprint: string;
}

/** A segment key made ahead of the run that will take it (see `takeStockedSegmentKeys`). */
export interface SegmentKeyStockTable {
  id: string;
  organization_id: string;
  public_key: Buffer;
  private_key_sealed: Buffer;
  fingerprint: string;
}

export interface OutboundMessageTable {
  id: Generated<string>;
  organization_id: string;
  recipient: string;
  subject: string;
  body: string;
  link: string | null;
  created_at: CreatedAt;
}

export interface ResponseTable {
  id: Generated<string>;
  organization_id: string;
  run_id: string;
  segment_team_id: string | null;
  segment_tier: TierValue;
  comment: string | null;
  /** Values by the run's question position (index 0 is position 0); null: not answered. */
  answers: (number | null)[];
}

export interface OutboxTable {
  id: Generated<number>;
  job_name: string;
  job_key: string;
  payload: ColumnType<unknown, string, string>;
  /** Handed to the job queue; the row stays until the job has finished. */
  relayed: Generated<boolean>;
}

/**
 * One entry of the append-only audit log. The application role may only insert and read
 * it; a trigger refuses every update, delete and truncate.
 */
export interface AuditEventTable {
  id: Generated<string>;
  organization_id: string;
  at: CreatedAt;
  /** Who made the change; null for the service's own (a run closing at its deadline). */
  actor_user_id: string | null;
  /** The actor's email when the change was made. */
  actor_email: string | null;
  action: string;
  subject: string;
  /** JSON text on write; the parsed document on read. */
  detail: ColumnType<unknown, string, never>;
}

export type Organization = Selectable<OrganizationTable>;
export type Team = Selectable<TeamTable>;
export type Person = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;

export type ReminderKind = 'half-window' | 'before-close' | 'manual';
export type ReminderState = 'due' | 'queued' | 'sent' | 'skipped';

/** A reminder of a run (see the migration `2026-12-05T1600-reminders`). */
export interface RunReminderTable {
  id: Generated<string>;
  organization_id: string;
  run_id: string;
  kind: ReminderKind;
  due_at: Date;
  state: Generated<ReminderState>;
  /** While it goes out: the last invitation it reached. */
  after_invitation: string | null;
}

/** A scheduled occurrence whose launch notice was asked for (once). */
export interface LaunchNoticeTable {
  organization_id: string;
  pulse_id: string;
  scheduled_for: Date;
}

/** A live session opened from a released run (see the room-and-decisions migration). */
export interface RoomSessionTable {
  id: Generated<string>;
  organization_id: string;
  run_id: string;
  /** The short join code; unique among sessions not closed. */
  code: string;
  /** The room threshold, fixed when the session opens. */
  threshold: number;
  /** How many people are in the room: no more phones join (null: not said). */
  capacity: ColumnType<number | null, number | null | undefined, number | null>;
  prompt: string;
  current_question: string | null;
  created_at: CreatedAt;
  closed_at: Date | null;
}

/** A finding of a session, and what the room's screen may show of its answers. */
export interface RoomQuestionTable {
  id: Generated<string>;
  organization_id: string;
  session_id: string;
  position: number;
  priority_id: string;
  dimension: string;
  statement: string;
  /** JSON text on write; the parsed document on read. */
  figures: ColumnType<unknown, string, never>;
  /** The revealed distribution (counts of 1 to 5), advanced in batches of at least the threshold. */
  shown_counts: Generated<number[]>;
  /** The prompt's texts shown, in the shuffled order shown. */
  shown_texts: Generated<string[]>;
  answered: Generated<number>;
  texts_answered: Generated<number>;
}

/** An answer not yet shown, sealed; no timestamp, no order. */
export interface RoomPendingTable {
  id: Generated<string>;
  organization_id: string;
  question_id: string;
  kind: 'scale' | 'text';
  sealed: Buffer;
}

/** A phone that joined a session, by the hash of its random token. */
export interface RoomParticipantTable {
  organization_id: string;
  session_id: string;
  token_hash: Buffer;
}

/** Which phone answered which question (never what). */
export interface RoomParticipationTable {
  organization_id: string;
  question_id: string;
  token_hash: Buffer;
}

/** An entry of the organization's decision log. */
export interface DecisionTable {
  id: Generated<string>;
  organization_id: string;
  priority_id: string;
  /** The owning team: its teams answer the decision's follow-up items. */
  team_id: string;
  session_id: string | null;
  title: string;
  tradeoff: string;
  /** A calendar date, `YYYY-MM-DD`. */
  review_on: ColumnType<string, string, string>;
  status: Generated<'open' | 'retired'>;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** An organization's own Likert item: its key (`custom-…`) and statement, with `{P}`. */
export interface CustomItemTable {
  organization_id: string;
  key: string;
  statement: string;
}
