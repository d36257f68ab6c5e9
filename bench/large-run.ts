// The data set of `close` and `gaps-api`: one organization of 30 teams in two levels whose
// closed run of 20 questions holds 100,000 sealed responses (2 million answers), waiting for
// its release. Both benchmarks build it with `createLargeRun`, so they measure the same rows.
import { randomBytes } from 'node:crypto';
import { sealResponse, sealedResponseLength } from '@pulsegap/anonymity';
import { deriveKey } from '@pulsegap/config';
import type { Database } from '@pulsegap/db';
import { COMMENT_MAX_LENGTH, parseRelease, type ReleasedCell } from '@pulsegap/domain';
import { sql, type Kysely } from 'kysely';
import { createHttpServer } from '@pulsegap/api';
import {
  Api,
  createPriorities,
  importRoster,
  log,
  signup,
  type Person,
  type ScratchDatabase,
} from './harness.js';

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

/**
 * The roster: departments first (so every parent exists before its children are imported),
 * then their sub-teams. The last department has a single head and its last sub-team three
 * leaders: both fall under the minimum group size of 5, so the run merges the sub-team's
 * leaders into the department's and those into the whole organization (segment team null),
 * as a real roster would have somewhere.
 */
function roster(): Person[] {
  const rows: Person[] = [];
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

/**
 * The owner's scratch table with the run's 100,000 responses in plaintext, shaped like
 * `responses` (`like responses including all`, row-level security with the same tenant
 * policy): the rows the sealed responses were made from, and the source of the `close`
 * baseline, which may only read it (`select` granted to the application role).
 */
export const PLAINTEXT_TABLE = 'bench_plaintext_responses';

/** What `createLargeRun` made. */
export interface LargeRun {
  readonly organizationId: string;
  readonly runId: string;
  /** A signed-in token of the organization's admin (valid for an hour). */
  readonly adminToken: string;
  readonly invited: number;
  readonly responses: number;
  /** Answers given (not null), over all responses and questions. */
  readonly answers: number;
  /** Responses with a comment. */
  readonly comments: number;
  /** Distinct (token segment team, tier) pairs among the responses. */
  readonly segments: number;
  /** Responses whose token names the whole organization (segments merged at run start). */
  readonly organizationSegmentResponses: number;
  /** Share of the responses given in the leadership tier. */
  readonly leadershipShare: number;
  /** Bytes of every sealed response of the run (`sealedResponseLength`). */
  readonly sealedLength: number;
  /** `sealed_responses` on disk after loading (heap, TOAST and indexes), MB. */
  readonly sealedTableMb: number;
  /** Seconds spent through the API, making the plaintext rows, and sealing and storing them. */
  readonly seconds: { readonly api: number; readonly plaintext: number; readonly sealing: number };
}

/** Sealed rows per INSERT while loading (6 parameters a row). */
const LOAD_BATCH = 1000;

/**
 * Through the API in-process (`inject`): signup, the roster (JSON imports of 20,000 rows,
 * with `parentTeam`), 4 priorities, a pulse of 4 × 5 = 20 questions with the open question
 * and its run started (which invites everyone, under the segments the run assigns, and
 * makes every segment's key). Then, as the database owner:
 *
 * 1. in one statement, `RESPONSES` of those invitations, drawn at random, are marked as
 *    having had their token, and each gets a plaintext response in the invitation's
 *    segment in `PLAINTEXT_TABLE`, with 20 answers (1–5, `UNANSWERED` of them null; leaders
 *    answer higher on average, teams and questions differ a little) and a comment on one
 *    in twenty;
 * 2. each of those is sealed with the real `sealResponse` under the service's
 *    `response-sealing` key, in the run's shape (20 questions and the open question's
 *    `COMMENT_MAX_LENGTH` code units), and stored in `sealed_responses` with a random
 *    32-byte token hash and its segment, as the intake would have stored it;
 * 3. the run is closed (`closed_at`), so its release is due.
 *
 * The intake is not what is measured here, so the responses skip it. `VACUUM ANALYZE` at
 * the end, as autovacuum would have done during the days the run was open.
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
    organizationId = await signup(api, 'Large Run Benchmark');
    await importRoster(api, roster());
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

  const owner = scratch.owner;
  const plaintext = sql.table(PLAINTEXT_TABLE);
  const appRole = sql.id(await applicationRole(scratch));
  const making = performance.now();
  await sql`create table ${plaintext} (like responses including all)`.execute(owner);
  await sql`alter table ${plaintext} enable row level security`.execute(owner);
  await sql`alter table ${plaintext} force row level security`.execute(owner);
  await sql`
    create policy tenant_isolation on ${plaintext}
      using (organization_id = app_current_organization())
      with check (organization_id = app_current_organization())
  `.execute(owner);
  await sql`grant select on ${plaintext} to ${appRole}`.execute(owner);
  // The answer array is built in a subquery that refers to the row (its tier), so
  // PostgreSQL evaluates it per response rather than once for all.
  await sql`
    with chosen as (
      update invitations set token_collected = true
       where id in (select id from invitations where run_id = ${runId}
                     order by random() limit ${RESPONSES})
      returning id, organization_id, run_id, segment_team_id, segment_tier
    )
    insert into ${plaintext} (organization_id, run_id, segment_team_id, segment_tier, comment,
                              answers)
    select c.organization_id, c.run_id, c.segment_team_id, c.segment_tier,
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
  `.execute(owner);
  const plaintextSeconds = (performance.now() - making) / 1000;

  // Sealed as the intake seals (`SubmissionChecks`): the same function, key and shape.
  const sealing = performance.now();
  const key = deriveKey(scratch.config, 'response-sealing');
  const shape = { questionCount: QUESTIONS, commentUnits: COMMENT_MAX_LENGTH };
  const { rows: plain } = await sql<{
    segment_team_id: string | null;
    segment_tier: 'leadership' | 'frontline';
    comment: string | null;
    answers: (number | null)[];
  }>`
    select segment_team_id, segment_tier, comment, answers from ${plaintext}
     where run_id = ${runId}
  `.execute(owner);
  for (let start = 0; start < plain.length; start += LOAD_BATCH) {
    await owner
      .insertInto('sealed_responses')
      .values(
        plain.slice(start, start + LOAD_BATCH).map((row) => ({
          token_hash: randomBytes(32),
          organization_id: organizationId,
          run_id: runId,
          segment_team_id: row.segment_team_id,
          segment_tier: row.segment_tier,
          sealed: sealResponse({ answers: row.answers, comment: row.comment }, shape, key, runId),
        })),
      )
      .execute();
  }
  await sql`update runs set closed_at = now() where id = ${runId}`.execute(owner);
  for (const table of ['sealed_responses', 'invitations', 'runs', PLAINTEXT_TABLE]) {
    await sql`vacuum analyze ${sql.table(table)}`.execute(owner);
  }
  const sealingSeconds = (performance.now() - sealing) / 1000;

  const { rows } = await sql<{
    responses: number;
    answers: number;
    comments: number;
    segments: number;
    organization: number;
    leadership: number;
    sealed: number;
    sealed_mb: number;
  }>`
    select count(*)::int as responses,
           sum(cardinality(array_remove(answers, null)))::int as answers,
           (count(*) filter (where comment is not null))::int as comments,
           count(distinct (segment_team_id, segment_tier))::int as segments,
           (count(*) filter (where segment_team_id is null))::int as organization,
           (count(*) filter (where segment_tier = 'leadership'))::int as leadership,
           (select count(*)::int from sealed_responses where run_id = ${runId}) as sealed,
           pg_total_relation_size(sealed_responses_partition(${runId})::regclass) / 1048576.0
             as sealed_mb
      from ${plaintext} where run_id = ${runId}
  `.execute(owner);
  const stored = rows[0];
  if (stored?.responses !== RESPONSES || stored.sealed !== RESPONSES) {
    throw new Error(
      `${stored?.responses ?? 0} plaintext and ${stored?.sealed ?? 0} sealed responses, ` +
        `not ${RESPONSES}`,
    );
  }
  log(
    `${stored.responses} responses (${stored.answers} answers, ${stored.segments} segments) ` +
      `made in ${plaintextSeconds.toFixed(1)} s; sealed (${sealedResponseLength(shape)} bytes ` +
      `each, ${Math.round(stored.sealed_mb)} MB on disk) and stored in ` +
      `${sealingSeconds.toFixed(1)} s; run closed, vacuumed and analyzed`,
  );
  return {
    organizationId,
    runId,
    adminToken: api.token,
    invited,
    responses: stored.responses,
    answers: stored.answers,
    comments: stored.comments,
    segments: stored.segments,
    organizationSegmentResponses: stored.organization,
    leadershipShare: stored.leadership / stored.responses,
    sealedLength: sealedResponseLength(shape),
    sealedTableMb: stored.sealed_mb,
    seconds: { api: apiSeconds, plaintext: plaintextSeconds, sealing: sealingSeconds },
  };
}

/** The application role's name, from its connection URL. */
export async function applicationRole(scratch: ScratchDatabase): Promise<string> {
  const url = scratch.config.appDatabaseUrl;
  if (url === null) throw new Error('no application database URL');
  return decodeURIComponent(new URL(url).username);
}

/** What `checkRelease` found. */
export interface ReleaseCheck {
  readonly cells: number;
  readonly teams: number;
  /** Organization cells whose leadership and frontline n match a direct count. */
  readonly organizationCellsMatching: number;
  /** Rows of the run in `responses`, and in `sealed_responses` (none once released). */
  readonly responses: number;
  readonly sealedLeft: number;
}

/**
 * Checks the run's stored release (the document in `run_releases`, parsed with the
 * domain's `parseRelease`) against the rows of `responses`, counted independently of the
 * release's query (plain `answers[i]` instead of `unnest`): every response stored and no
 * sealed row left; one cell per question for the organization and for each of the 30
 * teams; every organization cell's n per tier equals the responses of that tier that
 * answered the question; and the first department's cell of the first question counts the
 * frontline of the department and its sub-teams (the roll-up, over the run's snapshot of
 * the tree) against the whole organization's leadership. Throws on any difference.
 */
export async function checkRelease(scratch: ScratchDatabase, run: LargeRun): Promise<ReleaseCheck> {
  const owner = scratch.owner;
  const rows = await sql<{ responses: number; sealed: number; released: boolean }>`
    select (select count(*)::int from responses where run_id = ${run.runId}) as responses,
           (select count(*)::int from sealed_responses where run_id = ${run.runId}) as sealed,
           (select released_at is not null from runs where id = ${run.runId}) as released
  `.execute(owner);
  const stored = rows.rows[0];
  if (stored?.responses !== run.responses || stored.sealed !== 0 || !stored.released) {
    throw new Error(
      `after the release: ${JSON.stringify(stored)}, expected ${run.responses} responses, ` +
        `no sealed row and the run released`,
    );
  }
  const document = await owner
    .selectFrom('run_releases')
    .select('document')
    .where('run_id', '=', run.runId)
    .executeTakeFirst();
  if (document === undefined) throw new Error('no release stored for the run');
  const release = parseRelease(document.document);
  const cells = release.cells;
  const teams = new Set(cells.flatMap((c) => (c.teamId === null ? [] : [c.teamId])));
  const organizationCells = cells.filter((c) => c.teamId === null);
  const expected = QUESTIONS * (TEAMS + 1);
  if (
    cells.length !== expected ||
    teams.size !== TEAMS ||
    organizationCells.length !== QUESTIONS ||
    release.responses !== run.responses
  ) {
    throw new Error(
      `release: ${cells.length} cells, ${teams.size} teams, ${organizationCells.length} ` +
        `organization cells, ${release.responses} responses; expected ${expected} cells, ` +
        `${TEAMS} teams, ${QUESTIONS} organization cells and ${run.responses} responses`,
    );
  }

  const questions = await owner
    .selectFrom('run_questions')
    .select(['position', 'priority_id', 'dimension'])
    .where('run_id', '=', run.runId)
    .execute();
  const positionOf = (cell: ReleasedCell): number => {
    const question = questions.find(
      (q) => q.priority_id === cell.priorityId && q.dimension === cell.dimension,
    );
    if (question === undefined) throw new Error(`a cell of no question: ${cell.dimension}`);
    return question.position;
  };
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
  let matching = 0;
  for (const cell of organizationCells) {
    const position = positionOf(cell);
    const leadership = counts[`lead_${position}`];
    const frontline = counts[`front_${position}`];
    if (cell.leadership?.n !== leadership || cell.frontline?.n !== frontline) {
      throw new Error(
        `organization cell of question ${position}: n ${cell.leadership?.n}/` +
          `${cell.frontline?.n}, counted ${leadership}/${frontline}`,
      );
    }
    matching += 1;
  }

  const department = release.teams.find((t) => t.name === departmentName(0));
  const cell = cells.find((c) => c.teamId === department?.id && positionOf(c) === 0);
  const rolledUp = await sql<{ n: number }>`
    select count(*)::int as n from responses r
     where r.run_id = ${run.runId} and r.segment_tier = 'frontline' and r.answers[1] is not null
       and r.segment_team_id in (
         select team_id from run_teams
          where run_id = ${run.runId}
            and (team_id = ${department?.id ?? null} or parent_id = ${department?.id ?? null}))
  `.execute(owner);
  if (
    cell === undefined ||
    cell.frontline?.n !== rolledUp.rows[0]?.n ||
    cell.leadership?.n !== counts.lead_0
  ) {
    throw new Error(
      `${departmentName(0)}'s cell of question 0: ${JSON.stringify(cell)}, counted ` +
        `frontline ${rolledUp.rows[0]?.n}, leadership ${counts.lead_0}`,
    );
  }
  return {
    cells: cells.length,
    teams: teams.size,
    organizationCellsMatching: matching,
    responses: stored.responses,
    sealedLeft: stored.sealed,
  };
}
