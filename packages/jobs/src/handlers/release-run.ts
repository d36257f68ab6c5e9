import { randomInt } from 'node:crypto';
import { openSealedResponse } from '@pulsegap/anonymity';
import {
  discardSealedResponses,
  listDecisions,
  listPriorities,
  listPulses,
  lockRun,
  pairCounts,
  recordAudit,
  releasesAskingDecisions,
  releasesOfPulse,
  respondentsBySegment,
  runComments,
  runTeams,
  saveRelease,
  sealedResponsePages,
  segmentHistograms,
  segmentParticipation,
  storeResponses,
  withTenant,
  type Database,
  type NewResponse,
  type TenantTransaction,
} from '@pulsegap/db';
import {
  COMMENT_MAX_LENGTH,
  committedClarityPairs,
  isAskedOf,
  isRunOpen,
  mergeSmallSegments,
  releaseRun,
  TeamTree,
  teamAncestry,
  type DecisionQuestion,
  type Segment,
  type SegmentSize,
} from '@pulsegap/domain';
import type { Kysely } from 'kysely';

/** What became of a request to release a run. */
export type ReleaseOutcome = 'released' | 'already-released' | 'still-open' | 'unknown-run';

/** Sealed responses moved per page (4 KB each): bounded memory for a run of any size. */
const PAGE = 500;

/**
 * Closes a run and releases its figures, once (PRODUCT.md §6.6, §6.7), in one transaction
 * under the run's row lock:
 *
 * 1. a run past its deadline is closed at its deadline (one closed by hand keeps its time);
 * 2. its sealed responses are opened, each stored under its token's segment merged upward
 *    until the stored segment holds at least k respondents of its tier (so even someone who
 *    knows who answered cannot single a stored response out), shuffled, and written to
 *    `responses` all at once with random ids;
 * 3. the release is computed from the stored responses and the team tree as it was when the
 *    run started (`releaseRun`), and stored; every later read serves it;
 * 4. the run's partition of sealed responses is emptied (its file goes at commit).
 *
 * Idempotent: a run already released, or still open, is left as it is.
 */
export async function closeAndRelease(
  db: Kysely<Database>,
  sealingKey: Buffer,
  organizationId: string,
  runId: string,
  now: Date = new Date(),
): Promise<ReleaseOutcome> {
  return withTenant(db, organizationId, async (trx) => {
    const run = await lockRun(trx, runId);
    if (run === null) return 'unknown-run';
    if (run.releasedAt !== null) return 'already-released';
    if (isRunOpen(run, now)) return 'still-open';
    const [pulse] = await listPulses(trx, run.pulseId);
    const questions = await trx
      .selectFrom('run_questions')
      .select([
        'position',
        'priority_id',
        'dimension',
        'kind',
        'audience_tier',
        'audience_team_id',
        'decision_id',
      ])
      .where('run_id', '=', runId)
      .orderBy('position')
      .execute();
    const teams = await runTeams(trx, runId);
    const tree = new TeamTree(teams);

    const storedBefore = await respondentsBySegment(trx, runId);
    const opened = await openSealed(trx, sealingKey, runId, {
      questionCount: questions.length,
      commentUnits: run.openQuestion ? COMMENT_MAX_LENGTH : 0,
    });
    // Each token segment's responses are stored under a segment that holds at least k of
    // its tier, so that no stored response is alone.
    const storedAs = mergeSmallSegments(tree, opened.respondents, run.minGroupSize);
    // A response stored under a group above its token's (merged upward) keeps only the
    // answers to questions that group was asked: an answer to a team's item in a group
    // beyond that team would tell which smaller group the response came from.
    const parents = new Map(teams.map((t) => [t.id, t.parentId]));
    const askedOf = (segment: Segment): boolean[] =>
      questions.map((q) =>
        isAskedOf(
          { audienceTier: q.audience_tier, audienceTeamId: q.audience_team_id },
          { tier: segment.tier, teamAncestry: teamAncestry(segment.teamId, parents) },
        ),
      );
    await storeShuffled(
      trx,
      organizationId,
      runId,
      opened,
      (segment) => storedAs.segmentOf(segment),
      askedOf,
    );
    const participation = await segmentParticipation(trx, runId, [
      ...opened.waiting,
      ...storedBefore,
    ]);

    const runQuestions = questions.map((q) => ({
      position: q.position,
      priorityId: q.priority_id,
      dimension: q.dimension,
      kind: q.kind,
    }));
    // Committed clarity pairs a respondent's own clarity and commitment answers, never a
    // leader's prediction.
    const pairs = committedClarityPairs(runQuestions.filter((q) => q.kind !== 'prediction'));
    const paired = await pairCounts(
      trx,
      runId,
      pairs.map((p) => ({ first: p.clarity, second: p.commitment })),
    );
    const asked = new Set(runQuestions.map((q) => q.priorityId));
    const decisionQuestions: DecisionQuestion[] = questions.flatMap((q) =>
      (q.kind === 'settled' || q.kind === 'stopped') &&
      q.decision_id !== null &&
      q.audience_team_id !== null
        ? [
            {
              position: q.position,
              kind: q.kind,
              decisionId: q.decision_id,
              audienceTeamId: q.audience_team_id,
            },
          ]
        : [],
    );
    const followedUp = new Set(decisionQuestions.map((q) => q.decisionId));
    const release = releaseRun({
      run: {
        id: run.id,
        pulseId: run.pulseId,
        pulseTitle: pulse?.title ?? '',
        openedAt: run.openedAt,
        closesAt: run.closesAt,
        closedAt: run.closedAt ?? run.closesAt,
        minGroupSize: run.minGroupSize,
        commentMinGroupSize: run.commentMinGroupSize,
      },
      releasedAt: now,
      teams,
      questions: runQuestions,
      priorities: (await listPriorities(trx)).filter((p) => asked.has(p.id)),
      counts: await segmentHistograms(trx, runId),
      committedClarity: new Map(
        pairs.map((p, i) => [
          p.priorityId,
          {
            clearAndCommitted: paired[i]?.bothHigh ?? 0,
            answeredBoth: paired[i]?.answeredBoth ?? 0,
            answeredBothByTier: paired[i]?.answeredBothByTier ?? { leadership: 0, frontline: 0 },
          },
        ]),
      ),
      respondents: await respondentsBySegment(trx, runId),
      comments: shuffle(await runComments(trx, runId)),
      participation,
      mergedAtClose: {
        leadership: [...storedAs.incomplete('leadership')],
        frontline: [...storedAs.incomplete('frontline')],
      },
      earlierReleases: await releasesOfPulse(trx, run.pulseId, run.openedAt),
      decisionHistory: await releasesAskingDecisions(trx, [...followedUp], run.openedAt),
      decisionQuestions,
      decisions: (await listDecisions(trx))
        .filter((d) => followedUp.has(d.id))
        .map((d) => ({ id: d.id, title: d.title, priorityId: d.priorityId })),
    });
    await saveRelease(trx, organizationId, release);
    // Last, so the partition's lock is held only until the commit just after.
    await discardSealedResponses(trx, runId);
    if (run.closedAt === null) {
      // Closed by its deadline, not by anyone: the service records it.
      await recordAudit(trx, organizationId, {
        actorUserId: null,
        action: 'run.closed',
        subject: `run/${run.id}`,
        detail: { closedAt: release.closedAt, closesAt: release.closesAt, byDeadline: true },
      });
    }
    return 'released';
  });
}

/**
 * A run's opened responses, held compactly (a run of 100,000 responses of 20 questions takes
 * about 2 MB): answer `q` of response `i` is `answers[i * questionCount + q]` (0: skipped),
 * its token's segment `segments[segmentOf[i]]`, its comment `comments.get(i)`.
 */
interface OpenedResponses {
  readonly count: number;
  readonly questionCount: number;
  readonly answers: Uint8Array;
  readonly segmentOf: Uint32Array;
  readonly segments: readonly Segment[];
  readonly comments: ReadonlyMap<number, string>;
  /** Sealed rows by token segment, with those left empty by a run begun before sealing. */
  readonly respondents: SegmentSize[];
  /** Responses waiting sealed, by token segment. */
  readonly waiting: SegmentSize[];
}

/** Opens every sealed response of a run, page by page, into `OpenedResponses`. */
async function openSealed(
  trx: TenantTransaction,
  sealingKey: Buffer,
  runId: string,
  shape: { questionCount: number; commentUnits: number },
): Promise<OpenedResponses> {
  const segments: Segment[] = [];
  const segmentIndex = new Map<string, number>();
  const respondents: number[] = [];
  const waiting: number[] = [];
  let answers = new Uint8Array(PAGE * shape.questionCount);
  let segmentOf = new Uint32Array(PAGE);
  const comments = new Map<number, string>();
  let count = 0;
  for await (const page of sealedResponsePages(trx, runId, PAGE)) {
    if (segmentOf.length < count + page.length) {
      // Doubled as needed: amortized constant time, at most twice the room used.
      const room = Math.max(segmentOf.length * 2, count + page.length);
      const grownAnswers = new Uint8Array(room * shape.questionCount);
      grownAnswers.set(answers);
      answers = grownAnswers;
      const grownSegments = new Uint32Array(room);
      grownSegments.set(segmentOf);
      segmentOf = grownSegments;
    }
    for (const row of page) {
      const key = `${row.segmentTier}/${row.segmentTeamId ?? ''}`;
      let index = segmentIndex.get(key);
      if (index === undefined) {
        index = segments.length;
        segments.push({ teamId: row.segmentTeamId, tier: row.segmentTier });
        segmentIndex.set(key, index);
        respondents.push(0);
        waiting.push(0);
      }
      respondents[index] = (respondents[index] ?? 0) + 1;
      if (row.sealed.length === 0) continue;
      waiting[index] = (waiting[index] ?? 0) + 1;
      const opened = openSealedResponse(row.sealed, shape, sealingKey, runId);
      const at = count * shape.questionCount;
      opened.answers.forEach((value, q) => {
        answers[at + q] = value ?? 0;
      });
      segmentOf[count] = index;
      if (opened.comment !== null) comments.set(count, opened.comment);
      count += 1;
    }
  }
  const sizes = (counts: number[]): SegmentSize[] =>
    segments.map((segment, i) => ({ ...segment, count: counts[i] ?? 0 }));
  return {
    count,
    questionCount: shape.questionCount,
    answers,
    segmentOf,
    segments,
    comments,
    respondents: sizes(respondents),
    waiting: sizes(waiting).filter((s) => s.count > 0),
  };
}

/**
 * Stores the opened responses in `responses` in a uniformly random order (shuffled with a
 * cryptographic source, in this process only), each under the segment `storedAs` gives its
 * token's segment, a statement of PAGE at a time; the next statement is built while
 * PostgreSQL runs the one before.
 */
async function storeShuffled(
  trx: TenantTransaction,
  organizationId: string,
  runId: string,
  opened: OpenedResponses,
  storedAs: (segment: Segment) => Segment,
  /** Per question, whether a stored segment was asked it; other answers are not stored. */
  askedOf: (segment: Segment) => readonly boolean[],
): Promise<void> {
  const stored = opened.segments.map(storedAs);
  const asked = stored.map(askedOf);
  const order = shuffle(Array.from({ length: opened.count }, (_, i) => i));
  const q = opened.questionCount;
  let storing: Promise<void> = Promise.resolve();
  for (let start = 0; start < order.length; start += PAGE) {
    const responses = order.slice(start, start + PAGE).map((i): NewResponse => {
      const segment = stored[opened.segmentOf[i] ?? -1];
      const keep = asked[opened.segmentOf[i] ?? -1];
      if (segment === undefined || keep === undefined) {
        throw new RangeError(`response ${i} has no segment`);
      }
      const answers = Array.from(opened.answers.subarray(i * q, (i + 1) * q), (value, p) =>
        value === 0 || keep[p] !== true ? null : value,
      );
      return {
        segmentTeamId: segment.teamId,
        segmentTier: segment.tier,
        answers,
        comment: opened.comments.get(i) ?? null,
      };
    });
    await storing;
    storing = storeResponses(trx, organizationId, runId, responses);
    // Awaited on the next turn or below; a failure rolls the transaction back.
    storing.catch(() => undefined);
  }
  await storing;
}

/** A uniformly random permutation (Fisher–Yates with a cryptographic source), in place. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
