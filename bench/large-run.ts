// The data set of `recompute` and `gaps-api`: one organization of 30 teams in two levels
// whose run of 20 questions has 100,000 responses (2 million answers). Both benchmarks
// build it with `createLargeRun`, so they measure the same rows.
import { randomUUID } from 'node:crypto';
import type { Database } from '@pulsegap/db';
import { sql, type Kysely } from 'kysely';
import { createHttpServer } from '@pulsegap/api';
import { Api, createPriorities, log, signup, type ScratchDatabase } from './harness.js';

/** Responses stored for the run (the issue's figure). */
export const RESPONSES = 100_000;
/** Departments, each a team with `SUB_TEAMS` teams under it: 6 + 6 × 4 = 30 teams. */
export const DEPARTMENTS = 6;
export const SUB_TEAMS = 4;
export const TEAMS = DEPARTMENTS * (1 + SUB_TEAMS);
/** 4 priorities × 5 dimensions = 20 questions. */
export const PRIORITIES = 4;
export const DIMENSIONS = ['clarity', 'commitment', 'staffing', 'feasibility', 'importance'];
export const QUESTIONS = PRIORITIES * DIMENSIONS.length;
/** Share of questions a respondent leaves unanswered. */
export const UNANSWERED = 0.03;

/** People of a sub-team by its place in the department; a tenth of them leaders. */
const SUB_TEAM_SIZES = [3200, 4400, 5600, 6400];
/** People of a department's own team (its head office). */
const DEPARTMENT_LEADERS = 30;
const DEPARTMENT_FRONTLINE = 300;

interface RosterRow {
  readonly email: string;
  readonly name: string;
  readonly team: string;
  readonly tier: 'leadership' | 'frontline';
  readonly parentTeam: string | null;
}

/**
 * The roster: departments first (so every parent exists before its children are imported),
 * then their sub-teams. The last department has a single head and its last sub-team three
 * leaders: both fall under the minimum group size of 5, so the run merges the sub-team's
 * leaders into the department's and those into the whole organization (segment team null),
 * as a real roster would have somewhere.
 */
function roster(): RosterRow[] {
  const rows: RosterRow[] = [];
  let index = 0;
  const add = (
    team: string,
    parentTeam: string | null,
    leaders: number,
    frontline: number,
  ): void => {
    for (let i = 0; i < leaders + frontline; i += 1) {
      index += 1;
      rows.push({
        email: `p${index}@bench.test`,
        name: `Person ${index}`,
        team,
        tier: i < leaders ? 'leadership' : 'frontline',
        parentTeam,
      });
    }
  };
  const last = DEPARTMENTS - 1;
  for (let d = 0; d < DEPARTMENTS; d += 1) {
    add(
      departmentName(d),
      null,
      d === last ? 1 : DEPARTMENT_LEADERS,
      DEPARTMENT_FRONTLINE + (d === last ? DEPARTMENT_LEADERS - 1 : 0),
    );
  }
  for (let d = 0; d < DEPARTMENTS; d += 1) {
    SUB_TEAM_SIZES.forEach((size, s) => {
      const leaders = d === last && s === SUB_TEAMS - 1 ? 3 : size / 10;
      add(`${departmentName(d)} Team ${s + 1}`, departmentName(d), leaders, size - leaders);
    });
  }
  return rows;
}

function departmentName(d: number): string {
  return `Department ${d + 1}`;
}

/** What `createLargeRun` made. */
export interface LargeRun {
  readonly organizationId: string;
  readonly runId: string;
  /** A signed-in token of the organization's admin (valid for an hour). */
  readonly adminToken: string;
  readonly invited: number;
  readonly responses: number;
  /** Answers stored (not null), over all responses and questions. */
  readonly answers: number;
  /** Distinct (segment team, tier) pairs among the responses. */
  readonly segments: number;
  /** Responses stored under the whole organization (merged segments). */
  readonly organizationSegmentResponses: number;
  /** Share of the responses given in the leadership tier. */
  readonly leadershipShare: number;
  /** Seconds spent on roster, run start, and the direct load of the responses. */
  readonly seconds: { readonly api: number; readonly load: number };
}

/**
 * Through the API in-process (`inject`): signup, the roster (JSON imports of 20,000 rows,
 * with `parentTeam`), 4 priorities, a pulse of 4 × 5 = 20 questions and its run started
 * (which invites everyone, under the segments the run assigns). Then, as the database owner
 * in one statement, `RESPONSES` of those invitations, drawn at random, are marked as having
 * had their token and each gets a response in the invitation's segment, with 20 answers
 * (1–5, `UNANSWERED` of them null; leaders answer higher on average, teams and questions
 * differ a little) and a comment on one in twenty. The intake is not what is measured here,
 * so the responses skip it. `VACUUM ANALYZE` at the end, as autovacuum would have done.
 */
export async function createLargeRun(
  scratch: ScratchDatabase,
  db: Kysely<Database>,
): Promise<LargeRun> {
  const started = performance.now();
  const server = await createHttpServer({ config: scratch.config, db });
  let organizationId: string;
  let runId: string;
  let invited: number;
  const api = new Api(server);
  try {
    organizationId = await signup(api, 'Recompute Benchmark');
    const people = roster();
    for (let start = 0; start < people.length; start += 20_000) {
      await api.call('POST', '/api/v1/people/import', {
        people: people.slice(start, start + 20_000),
      });
    }
    const teams = await api.call<{ items: { id: string; parentId: string | null }[] }>(
      'GET',
      '/api/v1/teams',
    );
    if (teams.items.length !== TEAMS) {
      throw new Error(`${teams.items.length} teams after the import, not ${TEAMS}`);
    }
    const priorityIds = await createPriorities(api, PRIORITIES);
    const pulse = await api.call<{ id: string }>('POST', '/api/v1/pulses', {
      title: 'Quarterly pulse',
      priorityIds,
      dimensions: DIMENSIONS,
      openQuestion: true,
    });
    const run = await api.call<{ id: string; invited: number }>(
      'POST',
      `/api/v1/pulses/${pulse.id}/runs`,
    );
    runId = run.id;
    invited = run.invited;
  } finally {
    await server.close();
  }
  const apiSeconds = (performance.now() - started) / 1000;
  log(
    `${TEAMS} teams, ${invited} people invited, ${QUESTIONS} questions; ` +
      `set up through the API in ${apiSeconds.toFixed(1)} s`,
  );

  const loading = performance.now();
  // The answer array is built in a subquery that refers to the row (its tier), so
  // PostgreSQL evaluates it per response rather than once for all.
  await sql`
    with chosen as (
      update invitations set token_collected = true
       where id in (select id from invitations where run_id = ${runId}
                     order by random() limit ${RESPONSES})
      returning id, organization_id, run_id, segment_team_id, segment_tier
    )
    insert into responses (organization_id, run_id, segment_team_id, segment_tier, token_hash,
                           comment, answers)
    select c.organization_id, c.run_id, c.segment_team_id, c.segment_tier,
           decode(md5(c.id::text || ${randomUUID()}) || md5(random()::text), 'hex'),
           case when random() < 0.05
                then 'More people on the floor would let us keep the promises we make.' end,
           (select array_agg(
                     case when random() < ${UNANSWERED} then null
                          else least(5, greatest(1, round(
                                 case when c.segment_tier = 'leadership' then 3.8 else 3.1 end
                                 + (q % 5 - 2) * 0.15
                                 + (get_byte(decode(md5(coalesce(c.segment_team_id::text, '')),
                                                    'hex'), 0) % 7 - 3) * 0.05
                                 + (random() + random() + random() - 1.5) * 1.6)))::smallint
                     end order by q)
              from generate_series(1, ${QUESTIONS}) as q)
      from chosen c
  `.execute(scratch.owner);
  await sql`vacuum analyze responses`.execute(scratch.owner);
  await sql`vacuum analyze invitations`.execute(scratch.owner);
  const loadSeconds = (performance.now() - loading) / 1000;

  const { rows } = await sql<{
    responses: number;
    answers: number;
    segments: number;
    organization: number;
    leadership: number;
  }>`
    select count(*)::int as responses,
           sum(cardinality(array_remove(answers, null)))::int as answers,
           count(distinct (segment_team_id, segment_tier))::int as segments,
           (count(*) filter (where segment_team_id is null))::int as organization,
           (count(*) filter (where segment_tier = 'leadership'))::int as leadership
      from responses where run_id = ${runId}
  `.execute(scratch.owner);
  const stored = rows[0];
  if (stored?.responses !== RESPONSES) {
    throw new Error(`${stored?.responses ?? 0} responses stored, not ${RESPONSES}`);
  }
  log(
    `${stored.responses} responses (${stored.answers} answers, ${stored.segments} segments) ` +
      `loaded directly in ${loadSeconds.toFixed(1)} s, vacuumed and analyzed`,
  );
  return {
    organizationId,
    runId,
    adminToken: api.token,
    invited,
    responses: stored.responses,
    answers: stored.answers,
    segments: stored.segments,
    organizationSegmentResponses: stored.organization,
    leadershipShare: stored.leadership / stored.responses,
    seconds: { api: apiSeconds, load: loadSeconds },
  };
}

/** What `checkCells` found. */
export interface CellCheck {
  readonly cells: number;
  readonly teams: number;
  /** Organization cells whose leadership and frontline n match a direct count. */
  readonly organizationCellsMatching: number;
}

/**
 * Checks the stored figures of the run against its rows, counted independently of the
 * recompute's query (plain `answers[i]` instead of `unnest`): one cell per question for the
 * organization and for each of the 30 teams; every organization cell's n per tier equals
 * the responses of that tier that answered the question; and the first department's cell
 * of the first question counts the frontline of the department and its sub-teams (the
 * roll-up) against the whole organization's leadership. Throws on any difference.
 */
export async function checkCells(scratch: ScratchDatabase, run: LargeRun): Promise<CellCheck> {
  const owner = scratch.owner;
  const shape = await sql<{ cells: number; teams: number; organization: number }>`
    select count(*)::int as cells, count(distinct team_id)::int as teams,
           (count(*) filter (where team_id is null))::int as organization
      from cells where run_id = ${run.runId}
  `.execute(owner);
  const cells = shape.rows[0];
  const expected = QUESTIONS * (TEAMS + 1);
  if (cells?.cells !== expected || cells.teams !== TEAMS || cells.organization !== QUESTIONS) {
    throw new Error(
      `cells: ${JSON.stringify(cells)}, expected ${expected} cells, ${TEAMS} teams and ` +
        `${QUESTIONS} organization cells`,
    );
  }

  const columns = Array.from({ length: QUESTIONS }, (_, i) => {
    const at = sql.lit(i + 1);
    return sql`
      (count(*) filter (where segment_tier = 'leadership' and answers[${at}] is not null))::int
        as ${sql.ref(`lead_${i}`)},
      (count(*) filter (where segment_tier = 'frontline' and answers[${at}] is not null))::int
        as ${sql.ref(`front_${i}`)}`;
  });
  const counted = await sql<Record<string, number>>`
    select ${sql.join(columns)} from responses where run_id = ${run.runId}
  `.execute(owner);
  const counts = counted.rows[0] ?? {};
  const stored = await sql<{
    position: number;
    team_id: string | null;
    team: string | null;
    leadership: number | null;
    frontline: number | null;
  }>`
    select q.position, c.team_id, t.name as team,
           (c.statistics -> 'leadership' ->> 'n')::int as leadership,
           (c.statistics -> 'frontline' ->> 'n')::int as frontline
      from cells c
      join run_questions q on q.run_id = c.run_id and q.priority_id = c.priority_id
                          and q.dimension = c.dimension
      left join teams t on t.id = c.team_id
     where c.run_id = ${run.runId}
       and (c.team_id is null or (q.position = 0 and t.name = ${departmentName(0)}))
  `.execute(owner);
  let matching = 0;
  for (const cell of stored.rows.filter((c) => c.team_id === null)) {
    const leadership = counts[`lead_${cell.position}`];
    const frontline = counts[`front_${cell.position}`];
    if (cell.leadership !== leadership || cell.frontline !== frontline) {
      throw new Error(
        `organization cell of question ${cell.position}: n ${cell.leadership}/${cell.frontline}, ` +
          `counted ${leadership}/${frontline}`,
      );
    }
    matching += 1;
  }
  const department = stored.rows.find((c) => c.team_id !== null);
  const rolledUp = await sql<{ n: number }>`
    select count(*)::int as n from responses r join teams t on t.id = r.segment_team_id
     where r.run_id = ${run.runId} and r.segment_tier = 'frontline' and r.answers[1] is not null
       and (t.name = ${departmentName(0)} or t.parent_id = ${department?.team_id ?? null})
  `.execute(owner);
  if (
    department === undefined ||
    department.frontline !== rolledUp.rows[0]?.n ||
    department.leadership !== counts.lead_0
  ) {
    throw new Error(
      `${departmentName(0)}'s cell of question 0: ${JSON.stringify(department)}, counted ` +
        `frontline ${rolledUp.rows[0]?.n}, leadership ${counts.lead_0}`,
    );
  }
  return { cells: cells.cells, teams: cells.teams, organizationCellsMatching: matching };
}
