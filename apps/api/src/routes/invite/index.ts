import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AnonymityError, decodeBase64Url, type BlindSigner } from '@pulsegap/anonymity';
import {
  claimKey,
  claimTokens,
  findInvitation,
  findRun,
  invitationsOfSecrets,
  listPulses,
  organizationOfInvitation,
  releaseToken,
  runQuestions,
  runTeams,
  segmentInvitees,
  withTenant,
  type InvitationPlace,
  type InvitationView,
  type RunRecord,
  type TenantTransaction,
  type TokenClaim,
} from '@pulsegap/db';
import { isAskedOf, isRunOpen, OPEN_QUESTION, TeamTree } from '@pulsegap/domain';
import { hashInvitationSecret } from '@pulsegap/jobs';
import Type from 'typebox';
import { conflict, invalid, notFound, runClosed } from '../../errors.js';
import { Base64Url, problems, Tier, Timestamp, Uuid } from '../../schemas.js';
import { GroupCommit } from '../../group-commit.js';
import { ensureSegmentKey, knownSigner, signerFor } from '../../services/segment-keys.js';

const SecretParams = Type.Object(
  { secret: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) },
  { additionalProperties: false },
);
const Invite = Type.Object({
  runId: Uuid,
  title: Type.String(),
  closesAt: Timestamp,
  questions: Type.Array(
    Type.Object({ id: Uuid, priorityId: Uuid, dimension: Type.String(), text: Type.String() }),
  ),
  priorities: Type.Array(Type.Object({ id: Uuid, title: Type.String() })),
  openQuestion: Type.Boolean(),
  openQuestionText: Type.Union([Type.String(), Type.Null()]),
  segment: Type.Object({
    teamId: Type.Union([Uuid, Type.Null()]),
    team: Type.Union([Type.String(), Type.Null()]),
    tier: Tier,
  }),
  /** The segment's invitees and the run's thresholds, so the page can say what is shown. */
  group: Type.Object({
    size: Type.Integer({ minimum: 0 }),
    minGroupSize: Type.Integer({ minimum: 3 }),
    commentMinGroupSize: Type.Integer({ minimum: 3 }),
  }),
  keyId: Uuid,
  publicKey: Type.String(),
  fingerprint: Type.String(),
  tokenCollected: Type.Boolean(),
});

/**
 * The employee's routes behind a personal link. They log nothing (`logLevel: silent`): the
 * secret in the path names a person.
 */
const invite: FastifyPluginAsyncTypebox = async (fastify) => {
  /** Runs `work` for the invitation holding `secret`, in its organization's transaction. */
  async function withInvitation<T>(
    secret: string,
    work: (
      trx: TenantTransaction,
      organizationId: string,
      invitation: InvitationView,
      run: RunRecord,
    ) => Promise<T>,
  ): Promise<T> {
    const hash = hashInvitationSecret(secret);
    const organizationId = await organizationOfInvitation(fastify.db, hash);
    if (organizationId === null) throw notFound('This link');
    return withTenant(fastify.db, organizationId, async (trx) => {
      const invitation = await findInvitation(trx, hash);
      if (invitation === null) throw notFound('This link');
      const run = await findRun(trx, invitation.runId);
      if (run === null) throw notFound('This link');
      if (!isRunOpen(run)) throw runClosed();
      return work(trx, organizationId, invitation, run);
    });
  }

  fastify.get(
    '/invite/:secret',
    {
      logLevel: 'silent',
      schema: {
        tags: ['answering'],
        security: [],
        params: SecretParams,
        response: { 200: Invite, ...problems(400, 404, 410) },
      },
    },
    async (request) =>
      withInvitation(request.params.secret, async (trx, organizationId, invitation, run) => {
        const [pulse] = await listPulses(trx, run.pulseId);
        const segment = { teamId: invitation.segmentTeamId, tier: invitation.segmentTier };
        const teams = await runTeams(trx, run.id);
        // Only what is asked of this invitee's tier and team (leaders' predictions, say).
        const place = {
          tier: segment.tier,
          teamAncestry:
            segment.teamId === null
              ? []
              : [segment.teamId, ...new TeamTree(teams).ancestorsOf(segment.teamId)],
        };
        const questions = (await runQuestions(trx, run.id)).filter((q) => isAskedOf(q, place));
        const key = await ensureSegmentKey(
          trx,
          organizationId,
          run.id,
          segment,
          fastify.keys.segmentKeySealing,
        );
        const team =
          segment.teamId === null
            ? null
            : (teams.find((t) => t.id === segment.teamId)?.name ?? null);
        const priorities = new Map(questions.map((q) => [q.priorityId, q.priorityTitle]));
        const openQuestion = run.openQuestion;
        return {
          runId: run.id,
          title: pulse?.title ?? '',
          closesAt: run.closesAt,
          questions: questions.map((q) => ({
            id: q.id,
            priorityId: q.priorityId,
            dimension: q.dimension,
            text: q.text,
          })),
          priorities: [...priorities].map(([id, title]) => ({ id, title })),
          openQuestion,
          openQuestionText: openQuestion ? OPEN_QUESTION : null,
          segment: { teamId: segment.teamId, team, tier: segment.tier },
          group: {
            size: await segmentInvitees(trx, run.id, segment),
            minGroupSize: run.minGroupSize,
            commentMinGroupSize: run.commentMinGroupSize,
          },
          keyId: key.id,
          publicKey: key.publicKey.toString('base64url'),
          fingerprint: key.fingerprint,
          tokenCollected: invitation.tokenCollected,
        };
      }),
  );

  fastify.post(
    '/invite/:secret/token',
    {
      logLevel: 'silent',
      schema: {
        tags: ['answering'],
        security: [],
        params: SecretParams,
        body: Type.Object({ blindedMessage: Base64Url(1024) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ blindSignature: Type.String() }),
          ...problems(400, 404, 409, 410),
        },
      },
    },
    async (request) => {
      const blinded = decodeBase64Url(request.body.blindedMessage);
      if (blinded === null) {
        throw invalid('blindedMessage is not base64url.', [
          { path: 'body/blindedMessage', message: 'must be base64url without padding' },
        ]);
      }
      const hash = hashInvitationSecret(request.params.secret);
      const place = await lookups.submit('', hash);
      if (place === null) throw notFound('This link');
      const signer = await segmentSigner(place);
      try {
        signer.checkBlindedMessage(blinded);
      } catch (error) {
        throw invalidBlindedMessage(error);
      }
      const claim = {
        secretHash: hash,
        blindedDigest: createHash('sha256').update(blinded).digest(),
      };
      // A retry with the blinded message of the first claim gets its signature again (the
      // signature of a blinded message is the same each time): a lost answer locks no one out.
      if (!(await claims.submit('', claim))) {
        // Why not: say which, in the order a person would want to know it.
        await withTenant(fastify.db, place.organizationId, async (trx) => {
          const found = await findInvitation(trx, hash);
          const run = found === null ? null : await findRun(trx, found.runId);
          if (found === null || run === null) throw notFound('This link');
          if (!isRunOpen(run)) throw runClosed();
        });
        throw conflict('PG_ERR_TOKEN_COLLECTED', 'A token was already issued for this link.');
      }
      try {
        const blindSignature = await signer.signOn(fastify.signingPool, blinded);
        return { blindSignature: blindSignature.toString('base64url') };
      } catch (error) {
        // No signature was given out: the link keeps its token for another try.
        await withTenant(fastify.db, place.organizationId, (trx) => releaseToken(trx, hash));
        throw error;
      }
    },
  );

  /** Many links' invitations in one statement: requests arriving together share it. */
  const lookups = new GroupCommit<Buffer, InvitationPlace | null>(async (_lane, hashes) => {
    const found = await invitationsOfSecrets(fastify.db, hashes);
    return hashes.map((h) => found.get(h.toString('hex')) ?? null);
  });

  /**
   * Claims, one statement per batch. A link asked for twice in a batch is claimed once: with
   * the same blinded message both are granted, with two, one of them.
   */
  const claims = new GroupCommit<TokenClaim, boolean>(async (_lane, asked) => {
    const granted = await claimTokens(fastify.db, asked);
    return asked.map((claim) => granted.has(claimKey(claim)));
  });

  /**
   * The signer of the invitation's segment key: from memory once known, otherwise read (or
   * made) in the tenant's transaction, for an open run only.
   */
  async function segmentSigner(place: InvitationPlace): Promise<BlindSigner> {
    const segment = { teamId: place.segmentTeamId, tier: place.segmentTier };
    const known = knownSigner(place.runId, segment);
    if (known !== undefined) return known;
    return withTenant(fastify.db, place.organizationId, async (trx) => {
      const run = await findRun(trx, place.runId);
      if (run === null) throw notFound('This link');
      if (!isRunOpen(run)) throw runClosed();
      const key = await ensureSegmentKey(
        trx,
        place.organizationId,
        place.runId,
        segment,
        fastify.keys.segmentKeySealing,
      );
      return signerFor(trx, key.id, fastify.keys.segmentKeySealing);
    });
  }
};

function invalidBlindedMessage(error: unknown): unknown {
  if (error instanceof AnonymityError && error.code === 'ANON_INVALID_BLINDED_MESSAGE') {
    return invalid(error.message, [{ path: 'body/blindedMessage', message: error.message }]);
  }
  return error;
}

export default invite;
