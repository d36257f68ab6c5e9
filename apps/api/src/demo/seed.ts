import { startRun } from '@pulsegap/jobs';
import { randomUUID } from 'node:crypto';
import {
  applyRoster,
  createOrganization,
  createDecision,
  createPriority,
  createPulse,
  createUser,
  findLoginCandidate,
  storeResponses,
  withTenant,
  type Database,
  type NewResponse,
  type RosterEntry,
  type TenantTransaction,
  type TierValue,
} from '@pulsegap/db';
import { DEFAULT_REMINDERS, DIMENSIONS, type Dimension } from '@pulsegap/domain';
import type { Kysely } from 'kysely';
import { hashPassword } from '../routes/auth/passwords.js';

/** The demo logins; they exist only in a demo database. */
export const DEMO_LOGINS = {
  admin: 'hr@demo.pulsegap.test',
  executive: 'exec@demo.pulsegap.test',
  password: 'demo-pulsegap',
} as const;

const DEPARTMENTS: Record<string, string[]> = {
  'Customer Operations': ['Support EMEA', 'Support Americas', 'Onboarding', 'Customer Success'],
  Product: ['Platform', 'Mobile', 'Payments', 'Design'],
  'Go-to-Market': ['Sales East', 'Sales West', 'Marketing', 'Partnerships'],
};

interface DemoPriority {
  title: string;
  description: string;
  statedWeight: number;
  /** Mean answer per dimension and tier in the latest run; earlier runs drift towards it. */
  leadership: number;
  frontline: Partial<Record<Dimension, number>> & { default: number };
  /** Per run (oldest first), added to the frontline means of staffing and feasibility. */
  drift?: readonly number[];
  /**
   * What leaders predict the frontline answers on staffing and feasibility, when that is
   * not about right (the frontline's mean plus a little).
   */
  predicted?: number;
}

const PRIORITIES: DemoPriority[] = [
  {
    title: 'Customer Focus',
    description: 'Answer every customer within four business hours, in every region.',
    statedWeight: 5,
    leadership: 4.3,
    frontline: { default: 3.6, staffing: 2.0, feasibility: 2.2, tradeoffs: 2.4, commitment: 3.4 },
    drift: [0.8, 0.4, 0],
    // Leadership's blind spot: it expects the frontline to call Customer Focus staffed.
    predicted: 3.7,
  },
  {
    title: 'Platform Modernization',
    description: 'Move the core services to the new platform by the end of the year.',
    statedWeight: 4,
    leadership: 4.0,
    frontline: { default: 3.7, staffing: 3.2, clarity: 3.3 },
    // Improving: after the first run's conversation the migration got a team of its own.
    drift: [-1.5, -0.7, 0],
  },
  {
    title: 'Cost Discipline',
    description: 'Hold operating costs flat while revenue grows.',
    statedWeight: 3,
    leadership: 3.9,
    frontline: { default: 3.5, ownership: 2.8 },
  },
  {
    title: 'Hiring Quality',
    description: 'Raise the bar of every hire with structured interviews.',
    statedWeight: 2,
    leadership: 3.8,
    frontline: { default: 3.9 },
  },
];

/**
 * What people write in the open question, by the department their team belongs to (and for
 * leaders), each with the first run it may appear in: the words follow the story, Customer
 * Focus under strain, the platform work getting a team of its own after the first run.
 */
const COMMENTS: Record<string, readonly (readonly [number, string])[]> = {
  'Customer Operations': [
    [
      0,
      'We cannot answer every ticket within four hours with the people we have; something has to give.',
    ],
    [0, 'Weekend coverage is two people for the whole region.'],
    [0, 'Onboarding new hires takes our best agents off the queue for weeks.'],
    [1, 'Nobody has said which customers may wait when the queue is full.'],
    [1, 'The four-hour target was announced; the extra headcount was not.'],
    [2, 'We keep borrowing people from Onboarding to cover Support, and Onboarding falls behind.'],
  ],
  Product: [
    [0, 'The platform migration keeps losing to feature requests in every sprint.'],
    [0, 'We were told modernization comes first, then the roadmap filled up with everything else.'],
    [1, 'Since the planning session the migration has a team of its own, and it shows.'],
    [1, 'It is clearer now what we stop doing to make room for the platform work.'],
    [2, 'The migration plan finally has dates we believe.'],
  ],
  'Go-to-Market': [
    [0, 'Cost discipline means no travel, yet the targets went up.'],
    [0, 'Partners ask for support hours we cannot staff.'],
    [1, 'The hiring bar is right; the interview load on a few of us is not.'],
    [2, 'Customers ask why answers take longer in the Americas than in Europe.'],
  ],
  leadership: [
    [0, 'We have not funded the support targets we set.'],
    [0, 'I do not know what my team should stop doing to meet the four-hour promise.'],
    [1, 'The platform work has owners now; customer focus still does not.'],
    [2, 'We talk about focus and keep adding priorities.'],
  ],
};

/** The share of respondents who answer the open question. */
const COMMENT_SHARE = 0.4;

/**
 * A team small enough that some of its cells are suppressed: seven frontline people (their
 * own segment), of whom five answer each run and two of those skip the questions on
 * trade-offs and ownership, which then have fewer than k answers.
 */
const SMALL_TEAM = { name: 'Security', department: 'Product', size: 7, respond: 5 } as const;
const SMALL_TEAM_SKIPPED: readonly Dimension[] = ['tradeoffs', 'ownership'];

const RUNS = 3;
const RUN_SPACING_DAYS = 30;

/**
 * The decision the demo's leaders took after the first run, about Customer Focus (the first
 * priority), owned by Customer Operations: the two runs after it ask that department whether
 * it holds. It is settled at first, then relitigated: the settled share falls under 60 %.
 */
const DECIDED_BEFORE_RUN = 1;
const DEMO_DECISION = {
  title: 'Support staffs Customer Focus before new self-service work',
  team: 'Customer Operations',
  tradeoff: 'the self-service portal redesign',
} as const;
/** The mean answer of the decision's items in the runs after it, by kind. */
const FOLLOW_UP_MEANS: Record<'settled' | 'stopped', readonly number[]> = {
  settled: [4.3, 3.1],
  stopped: [2.9, 2.4],
};

/**
 * Creates the demo organization: about 400 people in 13 teams under 3 departments (one of
 * them small enough that some of its cells are suppressed), four
 * priorities (Customer Focus, weighted 5, with frontline staffing and feasibility far
 * below leadership's and drifting further; Platform Modernization, whose staffing gap
 * closes after the first run) and three past runs of synthetic responses with comments
 * (its pulse asks leaders to predict the frontline: they expect Customer Focus to be
 * staffed, a clear blind spot, and know the other priorities about right), and a decision
 * taken after the first run (`DEMO_DECISION`) that the next two runs follow up: settled, then
 * relitigated. The runs are past their deadlines, so the job runtime's sweep closes and releases them
 * (`closeAndRelease`). Does nothing when the
 * demo organization exists. Returns its id.
 */
export async function seedDemo(
  db: Kysely<Database>,
  keys: { invitationKey: Buffer; segmentKeySealing: Buffer },
  now = new Date(),
): Promise<string> {
  const existing = await findLoginCandidate(db, DEMO_LOGINS.admin);
  if (existing !== null) return existing.organizationId;
  const passwordHash = await hashPassword(DEMO_LOGINS.password);
  const organizationId = randomUUID();
  const random = mulberry32(20261125);
  // Leaders' predictions and the answers to the decision's items draw from their own streams,
  // so the answers to the bank stay the same.
  const predicting = mulberry32(20261205);
  const following = mulberry32(20261206);
  try {
    // One transaction: a seed that runs at the same time waits here, then finds the demo.
    await withTenant(db, organizationId, (trx) =>
      seedOrganization(trx, organizationId, {
        passwordHash,
        keys,
        now,
        random,
        predicting,
        following,
      }),
    );
  } catch (error) {
    const winner = await findLoginCandidate(db, DEMO_LOGINS.admin);
    if (winner === null) throw error;
    return winner.organizationId;
  }
  return organizationId;
}

async function seedOrganization(
  trx: TenantTransaction,
  organizationId: string,
  options: {
    passwordHash: string;
    keys: { invitationKey: Buffer; segmentKeySealing: Buffer };
    now: Date;
    random: () => number;
    predicting: () => number;
    following: () => number;
  },
): Promise<void> {
  const { passwordHash, keys, now, random, predicting, following } = options;
  await createOrganization(trx, organizationId, 'Northwind Demo');
  for (const [email, role] of [
    [DEMO_LOGINS.admin, 'admin'],
    [DEMO_LOGINS.executive, 'executive'],
  ] as const) {
    await createUser(trx, organizationId, { email, passwordHash, role });
  }
  await applyRoster(trx, organizationId, roster(random), { deactivateMissing: false });
  const priorityIds: string[] = [];
  for (const p of PRIORITIES) {
    priorityIds.push(
      await createPriority(trx, organizationId, {
        title: p.title,
        description: p.description,
        statedWeight: p.statedWeight,
      }),
    );
  }
  const pulseId = await createPulse(trx, organizationId, {
    title: 'Quarterly alignment pulse',
    priorityIds,
    dimensions: DIMENSIONS,
    openQuestion: true,
    predictions: true,
    audienceTeamIds: null,
    audienceTiers: null,
    schedule: { cron: '0 9 1 */3 *', timezone: 'Europe/Berlin', everyWeeks: 1, anchor: null },
    openForHours: 72,
    minGroupSize: 5,
    commentMinGroupSize: 10,
    reminders: DEFAULT_REMINDERS,
  });
  for (let run = 0; run < RUNS; run += 1) {
    const openedAt = new Date(now.getTime() - (RUNS - run) * RUN_SPACING_DAYS * 86_400_000);
    if (run === DECIDED_BEFORE_RUN) {
      await createDecision(trx, organizationId, {
        ...DEMO_DECISION,
        priorityId: priorityIds[0] ?? '',
        teamId: await teamIdOf(trx, DEMO_DECISION.team),
        reviewOn: new Date(now.getTime() + 45 * 86_400_000).toISOString().slice(0, 10),
        sessionId: null,
      });
    }
    const started = await startRun(trx, organizationId, pulseId, openedAt, keys, null);
    await seedResponses(trx, organizationId, started.id, run, { random, predicting, following });
  }
}

async function teamIdOf(trx: TenantTransaction, name: string): Promise<string> {
  const team = await trx
    .selectFrom('teams')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return team.id;
}

function roster(random: () => number): RosterEntry[] {
  const entries: RosterEntry[] = [];
  let n = 0;
  for (const [department, teams] of Object.entries(DEPARTMENTS)) {
    for (const team of teams) {
      const size = 28 + Math.floor(random() * 12);
      for (let i = 0; i < size; i += 1) {
        n += 1;
        entries.push({
          email: `person${String(n).padStart(3, '0')}@demo.pulsegap.test`,
          name: `Person ${n}`,
          team,
          tier: i < 3 ? 'leadership' : 'frontline',
          parentTeam: department,
        });
      }
    }
  }
  for (let i = 0; i < SMALL_TEAM.size; i += 1) {
    n += 1;
    entries.push({
      email: `person${String(n).padStart(3, '0')}@demo.pulsegap.test`,
      name: `Person ${n}`,
      team: SMALL_TEAM.name,
      tier: 'frontline',
      parentTeam: SMALL_TEAM.department,
    });
  }
  return entries;
}

async function seedResponses(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  run: number,
  streams: { random: () => number; predicting: () => number; following: () => number },
): Promise<void> {
  const { random, predicting, following } = streams;
  const questions = await trx
    .selectFrom('run_questions')
    .innerJoin('priorities', 'priorities.id', 'run_questions.priority_id')
    .select([
      'run_questions.dimension',
      'run_questions.kind',
      'run_questions.audience_team_id',
      'priorities.title',
    ])
    .where('run_questions.run_id', '=', runId)
    .orderBy('run_questions.position')
    .execute();
  const invitations = await trx
    .selectFrom('invitations')
    .innerJoin('people', 'people.id', 'invitations.person_id')
    .innerJoin('teams', 'teams.id', 'people.team_id')
    .leftJoin('teams as parents', 'parents.id', 'teams.parent_id')
    .leftJoin('teams as segments', 'segments.id', 'invitations.segment_team_id')
    .select([
      'invitations.id',
      'invitations.segment_team_id',
      'segments.parent_id as segment_parent_id',
      'invitations.segment_tier',
      'teams.name as team',
      'parents.name as department',
    ])
    .where('invitations.run_id', '=', runId)
    .orderBy('invitations.id')
    .execute();
  const small = invitations.filter((i) => i.team === SMALL_TEAM.name);
  const responders = [
    ...invitations.filter((i) => i.team !== SMALL_TEAM.name && random() < 0.72),
    ...small.slice(0, SMALL_TEAM.respond),
  ];
  const skipping = new Set(small.slice(0, 2).map((i) => i.id));
  const responses: NewResponse[] = responders.map((invitation) => ({
    segmentTeamId: invitation.segment_team_id,
    segmentTier: invitation.segment_tier,
    comment: comment(
      random,
      invitation.segment_tier === 'leadership' ? 'leadership' : (invitation.department ?? ''),
      run,
    ),
    answers: questions.map((q) =>
      q.kind === 'settled' || q.kind === 'stopped'
        ? // Asked of the owning team's groups only (the segment names the group).
          invitation.segment_team_id !== null &&
          (invitation.segment_team_id === q.audience_team_id ||
            invitation.segment_parent_id === q.audience_team_id)
          ? sample(following, FOLLOW_UP_MEANS[q.kind][run - DECIDED_BEFORE_RUN] ?? 3)
          : null
        : q.kind === 'prediction'
          ? invitation.segment_tier === 'leadership'
            ? sample(predicting, predictedMean(q.title, q.dimension as Dimension, run))
            : null
          : skipping.has(invitation.id) && SMALL_TEAM_SKIPPED.includes(q.dimension as Dimension)
            ? null
            : sample(
                random,
                targetMean(q.title, q.dimension as Dimension, invitation.segment_tier, run),
              ),
    ),
  }));
  await storeResponses(trx, organizationId, runId, responses);
  const collected = [...responders, ...invitations.filter(() => random() < 0.05)];
  await trx
    .updateTable('invitations')
    .set({ token_collected: true })
    .where(
      'id',
      'in',
      collected.map((i) => i.id),
    )
    .execute();
}

/** What one respondent writes in the open question of run `run`, or null (most write nothing). */
function comment(random: () => number, group: string, run: number): string | null {
  const said = (COMMENTS[group] ?? []).filter(([from]) => from <= run);
  if (said.length === 0 || random() >= COMMENT_SHARE) return null;
  return said[Math.floor(random() * said.length)]?.[1] ?? null;
}

function targetMean(title: string, dimension: Dimension, tier: TierValue, run: number): number {
  const priority = PRIORITIES.find((p) => p.title === title);
  if (priority === undefined) return 3;
  if (tier === 'leadership') return priority.leadership;
  const base = priority.frontline[dimension] ?? priority.frontline.default;
  const strained = dimension === 'staffing' || dimension === 'feasibility';
  return base + (strained ? (priority.drift?.[run] ?? 0) : 0);
}

/** What leaders predict the frontline answers on a dimension in run `run`. */
function predictedMean(title: string, dimension: Dimension, run: number): number {
  const predicted = PRIORITIES.find((p) => p.title === title)?.predicted;
  return predicted ?? targetMean(title, dimension, 'frontline', run) + 0.2;
}

// A Likert answer near `mean`: a rounded normal draw, clamped to 1..5.
function sample(random: () => number, mean: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(5, Math.max(1, Math.round(mean + 0.85 * z)));
}

// A small seeded generator, so the demo tells the same story every time.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
