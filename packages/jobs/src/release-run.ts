import { randomInt } from 'node:crypto';
import { openSealedResponse } from '@pulsegap/anonymity';
import {
  deleteSealedResponses,
  listPriorities,
  listPulses,
  lockRun,
  pairCounts,
  recordAudit,
  releasesOfPulse,
  respondentsBySegment,
  runComments,
  runTeams,
  saveRelease,
  sealedResponsePage,
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
  isRunOpen,
  mergeSmallSegments,
  releaseRun,
  TeamTree,
  type Segment,
  type SegmentSize,
} from '@pulsegap/domain';
import type { Kysely } from 'kysely';

/** What became of a request to release a run. */
export type ReleaseOutcome = 'released' | 'already-released' | 'still-open' | 'unknown-run';

/** Sealed responses read per page (4 KB each): bounded memory for a run of any size. */
const PAGE = 250;

/**
 * Closes a run and releases its figures, once (PRODUCT.md §6.6, §6.7), in one transaction
 * under the run's row lock:
 *
 * 1. a run past its deadline is closed at its deadline (one closed by hand keeps its time);
 * 2. its sealed responses are opened, each stored under its token's segment merged upward
 *    until the stored segment holds at least k respondents of its tier (so even someone who
 *    knows who answered cannot single a stored response out), shuffled, and written to
 *    `responses` all at once with random ids; the sealed copies are deleted;
 * 3. the release is computed from the stored responses and the team tree as it was when the
 *    run started (`releaseRun`), and stored; every later read serves it.
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
      .select(['position', 'priority_id', 'dimension'])
      .where('run_id', '=', runId)
      .orderBy('position')
      .execute();
    const teams = await runTeams(trx, runId);
    const tree = new TeamTree(teams);

    const opened = await openSealed(trx, sealingKey, runId, {
      questionCount: questions.length,
      commentUnits: run.openQuestion ? COMMENT_MAX_LENGTH : 0,
    });
    // Counted before the responses move: by the segments of their tokens.
    const participation = await segmentParticipation(trx, runId, opened.waiting);
    const storedAs = mergeSmallSegments(tree, opened.respondents, run.minGroupSize);
    const responses = shuffle(
      opened.responses.map(({ segment, answers, comment }): NewResponse => {
        const stored = storedAs.segmentOf(segment);
        return { segmentTeamId: stored.teamId, segmentTier: stored.tier, answers, comment };
      }),
    );
    await storeResponses(trx, organizationId, runId, responses);
    await deleteSealedResponses(trx, runId);

    const runQuestions = questions.map((q) => ({
      position: q.position,
      priorityId: q.priority_id,
      dimension: q.dimension,
    }));
    const pairs = committedClarityPairs(runQuestions);
    const paired = await pairCounts(
      trx,
      runId,
      pairs.map((p) => ({ first: p.clarity, second: p.commitment })),
    );
    const asked = new Set(runQuestions.map((q) => q.priorityId));
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
    });
    await saveRelease(trx, organizationId, release);
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

interface OpenedResponse {
  readonly segment: Segment;
  readonly answers: readonly (number | null)[];
  readonly comment: string | null;
}

/**
 * Opens every sealed response of a run, page by page, and counts per token segment the
 * respondents (including responses stored before sealing existed, which stay where they
 * are, and whose sealed rows are empty markers) and the responses waiting sealed.
 */
async function openSealed(
  trx: TenantTransaction,
  sealingKey: Buffer,
  runId: string,
  shape: { questionCount: number; commentUnits: number },
): Promise<{ responses: OpenedResponse[]; respondents: SegmentSize[]; waiting: SegmentSize[] }> {
  const responses: OpenedResponse[] = [];
  const respondents = new Map<string, SegmentSize>();
  const waiting = new Map<string, SegmentSize>();
  const add = (counts: Map<string, SegmentSize>, segment: Segment) => {
    const key = `${segment.tier}/${segment.teamId ?? ''}`;
    counts.set(key, { ...segment, count: (counts.get(key)?.count ?? 0) + 1 });
  };
  // One segment object per segment, shared by its responses: a run has few segments and
  // many responses, all held in memory until they are stored.
  const segments = new Map<string, Segment>();
  for (let after: Buffer | null = null; ;) {
    const page = await sealedResponsePage(trx, runId, after, PAGE);
    for (const row of page) {
      const key = `${row.segmentTier}/${row.segmentTeamId ?? ''}`;
      let segment = segments.get(key);
      if (segment === undefined) {
        segment = { teamId: row.segmentTeamId, tier: row.segmentTier };
        segments.set(key, segment);
      }
      add(respondents, segment);
      if (row.sealed.length === 0) continue;
      add(waiting, segment);
      const { answers, comment } = openSealedResponse(row.sealed, shape, sealingKey, runId);
      responses.push({ segment, answers, comment });
    }
    if (page.length < PAGE) break;
    after = page.at(-1)?.tokenHash ?? null;
  }
  return {
    responses,
    respondents: [...respondents.values()],
    waiting: [...waiting.values()],
  };
}

/** A uniformly random permutation (Fisher–Yates with a cryptographic source), in place. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
