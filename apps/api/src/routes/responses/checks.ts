import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  decodeBase64Url,
  sealResponse,
  TOKEN_MESSAGE_LENGTH,
  tokenHash,
  verifyToken,
} from '@pulsegap/anonymity';
import {
  getSegmentKey,
  findRun,
  organizationOfRun,
  runQuestions,
  runTeams,
  withTenant,
  type Database,
  type SealedSubmission,
  type TierValue,
} from '@pulsegap/db';
import {
  COMMENT_MAX_LENGTH,
  isAskedOf,
  isRunOpen,
  TeamTree,
  type QuestionAudience,
} from '@pulsegap/domain';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { forbidden, invalid, notFound, runClosed, type FieldError } from '../../errors.js';
import { LoadingCache } from '../../loading-cache.js';
import { Base64Url, Uuid } from '../../schemas.js';

/** The body of `POST /responses`. */
export const ResponseSubmission = Type.Object(
  {
    runId: Uuid,
    token: Type.Object(
      { keyId: Uuid, message: Base64Url(200), signature: Base64Url(1024) },
      { additionalProperties: false },
    ),
    answers: Type.Array(
      Type.Object(
        { questionId: Uuid, value: Type.Integer({ minimum: 1, maximum: 5 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    comment: Type.Optional(Type.String({ maxLength: COMMENT_MAX_LENGTH })),
  },
  { additionalProperties: false },
);

export type Submission = Static<typeof ResponseSubmission>;

/** What a submission is checked against; runs change rarely, so it is kept briefly. */
interface RunFacts {
  readonly organizationId: string;
  /** Each question's position: where its answer is kept in the stored response. */
  readonly positions: ReadonlyMap<string, number>;
  /** Who each question is asked of, by position. */
  readonly audiences: readonly QuestionAudience[];
  /** The run's team tree as it was when the run started (for questions asked of a team). */
  readonly tree: TeamTree;
  readonly questionCount: number;
  readonly openQuestion: boolean;
  readonly closed: boolean;
}

interface KeyFacts {
  readonly runId: string;
  readonly publicKey: KeyObject;
  readonly segment: { teamId: string | null; tier: TierValue };
}

const RUN_FACTS_MS = 2000;

/** A submission that passed every check: the sealed response to store, and where. */
export interface CheckedResponse {
  readonly organizationId: string;
  readonly runId: string;
  readonly response: SealedSubmission;
}

/**
 * Everything `POST /responses` checks before it stores a response: the token's encoding,
 * the run (which must exist and be open) and its questions, the comment, and the token's
 * signature under the run's segment key, which also names the segment the response counts
 * for. Segment keys are kept for good. A run's facts are loaded again in the background
 * every two seconds, while the ones loaded before go on serving (`LoadingCache`): a
 * submission never waits for that reload. Whether the run is still open is decided where
 * the response is stored (`sealResponses`), so a run closed meanwhile still gets 410.
 *
 * The response is sealed here (`sealResponse`, under `sealingKey`): it is stored only in
 * that form until its run is released, every response of the run the same length.
 */
export class SubmissionChecks {
  readonly #runs = new LoadingCache<RunFacts>({ refreshAfterMs: RUN_FACTS_MS });
  readonly #keys = new LoadingCache<KeyFacts | null>();
  readonly #db: Kysely<Database>;
  readonly #sealingKey: Buffer;

  constructor(db: Kysely<Database>, sealingKey: Buffer) {
    this.#db = db;
    this.#sealingKey = sealingKey;
  }

  /** The response to store, or a 400, 403, 404 or 410 problem saying what is wrong. */
  async check(submission: Submission): Promise<CheckedResponse> {
    const { runId, token, answers, comment } = submission;
    const message = decodeBase64Url(token.message, { length: TOKEN_MESSAGE_LENGTH });
    const signature = decodeBase64Url(token.signature);
    const errors: FieldError[] = [];
    if (message === null) {
      errors.push({
        path: 'body/token/message',
        message: `must be ${TOKEN_MESSAGE_LENGTH} bytes of base64url`,
      });
    }
    if (signature === null) {
      errors.push({ path: 'body/token/signature', message: 'must be base64url without padding' });
    }
    const run = await this.#runFacts(runId);
    const values = new Array<number | null>(run.questionCount).fill(null);
    answers.forEach((answer, i) => {
      const position = run.positions.get(answer.questionId);
      if (position === undefined) {
        errors.push({
          path: `body/answers/${i}/questionId`,
          message: 'is not a question of this run',
        });
      } else if (values[position] !== null) {
        errors.push({ path: `body/answers/${i}/questionId`, message: 'is answered twice' });
      } else {
        values[position] = answer.value;
      }
    });
    const text = comment?.trim() ?? '';
    // PostgreSQL cannot store U+0000; refused here, it cannot fail the batch it would join.
    if (text.length > COMMENT_MAX_LENGTH) {
      // The schema counts code points; a sealed comment has room for this many UTF-16 units.
      errors.push({
        path: 'body/comment',
        message: `must be at most ${COMMENT_MAX_LENGTH} characters (UTF-16 code units)`,
      });
    } else if (text.includes('\u0000')) {
      errors.push({ path: 'body/comment', message: 'must not contain the character U+0000' });
    } else if (text !== '' && !run.openQuestion) {
      errors.push({ path: 'body/comment', message: 'this pulse has no open question' });
    }
    if (errors.length > 0 || message === null || signature === null) {
      throw invalid(
        `The response is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors,
      );
    }
    if (run.closed) throw runClosed();
    const key = await this.#keyFacts(run.organizationId, token.keyId);
    if (key === null || key.runId !== runId || !verifyToken(key.publicKey, message, signature)) {
      throw forbidden('The token is not valid for this run.');
    }
    // An answer to a question not asked of the token's segment (a frontline answer to a
    // leaders' prediction, say) would be counted where it does not belong.
    const { teamId, tier } = key.segment;
    const place = {
      tier,
      teamAncestry: teamId === null ? [] : [teamId, ...run.tree.ancestorsOf(teamId)],
    };
    const notAsked = answers.flatMap((answer, i) => {
      const position = run.positions.get(answer.questionId) ?? -1;
      const audience = run.audiences[position];
      return audience === undefined || isAskedOf(audience, place)
        ? []
        : [{ path: `body/answers/${i}/questionId`, message: `is not asked of ${tier}` }];
    });
    if (notAsked.length > 0) {
      throw invalid(
        `The response is invalid: ${notAsked.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        notAsked,
      );
    }
    return {
      organizationId: run.organizationId,
      runId,
      response: {
        segmentTeamId: key.segment.teamId,
        segmentTier: key.segment.tier,
        tokenHash: tokenHash(message),
        sealed: sealResponse(
          { answers: values, comment: text === '' ? null : text },
          {
            questionCount: run.questionCount,
            commentUnits: run.openQuestion ? COMMENT_MAX_LENGTH : 0,
          },
          this.#sealingKey,
          runId,
        ),
      },
    };
  }

  #runFacts(runId: string): Promise<RunFacts> {
    return this.#runs.get(runId, async () => {
      const organizationId = await organizationOfRun(this.#db, runId);
      if (organizationId === null) throw notFound('The run');
      return withTenant(this.#db, organizationId, async (trx) => {
        const run = await findRun(trx, runId);
        if (run === null) throw notFound('The run');
        const questions = await runQuestions(trx, runId);
        const audiences: QuestionAudience[] = [];
        for (const q of questions) audiences[q.position] = q;
        return {
          organizationId,
          positions: new Map(questions.map((q) => [q.id, q.position])),
          audiences,
          tree: new TeamTree(await runTeams(trx, runId)),
          questionCount: questions.length,
          openQuestion: run.openQuestion,
          closed: !isRunOpen(run),
        };
      });
    });
  }

  // Looked up under the run's organization (and then checked against the run itself);
  // an unknown key id is remembered as unknown: ids are random and made by the server.
  #keyFacts(organizationId: string, keyId: string): Promise<KeyFacts | null> {
    return this.#keys.get(`${organizationId}/${keyId}`, async () => {
      const key = await withTenant(this.#db, organizationId, (trx) => getSegmentKey(trx, keyId));
      if (key === null) return null;
      return {
        runId: key.runId,
        publicKey: createPublicKey({ key: key.publicKey, format: 'der', type: 'spki' }),
        segment: { teamId: key.segmentTeamId, tier: key.segmentTier },
      };
    });
  }
}
