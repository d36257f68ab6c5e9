// An organization answering through the real API, for the benchmarks that submit responses
// (`intake`, `soak`): 4 teams of 10 leaders and 100 frontline staff (8 segments), pulses of
// 4 priorities × 7 dimensions = 28 questions, and valid tokens minted for their runs.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  decryptPrivateKey,
  TOKEN_MESSAGE_LENGTH,
  TOKEN_SALT_LENGTH,
  tokenHash,
  verifyToken,
} from '@pulsegap/anonymity';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { createHttpServer, sealingLabel } from '@pulsegap/api';
import { deriveKey } from '@pulsegap/config';
import type { Database, TierValue } from '@pulsegap/db';
import type { Kysely } from 'kysely';
import {
  Api,
  createPriorities,
  importRoster,
  log,
  roster,
  secretOfLink,
  signup,
  startRun,
  type ScratchDatabase,
} from './harness.js';

export const TEAMS = 4;
export const LEADERS_PER_TEAM = 10;
export const FRONTLINE_PER_TEAM = 100;
export const PRIORITIES = 4;

// ---------------------------------------------------------------------------------------
// Tokens

export interface Segment {
  readonly keyId: string;
  readonly teamId: string | null;
  readonly tier: TierValue;
  readonly publicKeySpki: Buffer;
  readonly privateKey: KeyObject;
}

export interface RunUnderTest {
  readonly runId: string;
  readonly questionIds: readonly string[];
  readonly segments: readonly Segment[];
}

/** A prepared submission: its JSON body and the hash of its token (hex) as stored. */
export interface Prepared {
  readonly body: string;
  readonly hash: string;
}

function signPss(message: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // With a callback, node:crypto signs on libuv's thread pool: both cores mint.
    sign(
      'sha384',
      message,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: TOKEN_SALT_LENGTH },
      (error, signature) => {
        if (error === null) resolve(signature);
        else reject(error);
      },
    );
  });
}

/**
 * Mints `count` valid tokens for the run, spread over its segments, each in a submission
 * answering every question. A token is what RFC 9474's Finalize returns: an RSASSA-PSS
 * signature (SHA-384, MGF1-SHA-384, 48-byte salt) of the prepared message (32 random bytes
 * of prefix, then the 32-byte random message) under the segment's key. The blind round
 * trip is skipped here (the browser's half costs ~37 ms per token in pure JavaScript); the
 * setup checks one real round trip per segment, and every 500th minted token is checked
 * with `verifyToken` against the published key.
 */
export async function mint(run: RunUnderTest, count: number): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  const BATCH = 256;
  for (let start = 0; start < count; start += BATCH) {
    const size = Math.min(BATCH, count - start);
    const batch = await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const segment = run.segments[(start + i) % run.segments.length] as Segment;
        const message = randomBytes(TOKEN_MESSAGE_LENGTH);
        const signature = await signPss(message, segment.privateKey);
        if ((start + i) % 500 === 0 && !verifyToken(segment.publicKeySpki, message, signature)) {
          throw new Error('a minted token does not verify');
        }
        const body = JSON.stringify({
          runId: run.runId,
          token: {
            keyId: segment.keyId,
            message: message.toString('base64url'),
            signature: signature.toString('base64url'),
          },
          answers: run.questionIds.map((questionId) => ({
            questionId,
            value: 1 + Math.floor(Math.random() * 5),
          })),
        });
        return { body, hash: tokenHash(message).toString('hex') };
      }),
    );
    prepared.push(...batch);
  }
  return prepared;
}

// ---------------------------------------------------------------------------------------
// Setup through the API

interface Invite {
  runId: string;
  keyId: string;
  publicKey: string;
  questions: { id: string }[];
}

/**
 * Signs up the organization, starts one run per title (each with its invitations sent) and
 * submits one real token per segment; returns the runs with their segments' private keys,
 * in the order of `titles`.
 */
export async function setUpAnsweringRuns(
  scratch: ScratchDatabase,
  db: Kysely<Database>,
  titles: readonly string[],
): Promise<{
  runs: RunUnderTest[];
  invited: number;
  organizationId: string;
  adminToken: string;
}> {
  const server = await createHttpServer({ config: scratch.config, db });
  const api = new Api(server);
  try {
    const organizationId = await signup(api, 'Answering Benchmark Co');
    await importRoster(api, roster(TEAMS, LEADERS_PER_TEAM, FRONTLINE_PER_TEAM));
    const priorityIds = await createPriorities(api, PRIORITIES);
    // One run per title: each run's rows are counted on their own.
    const started = [];
    for (const title of titles) {
      started.push(await startRun(api, scratch, db, organizationId, title, priorityIds));
    }
    const invitedAll = started.reduce((sum, run) => sum + run.invited, 0);
    log(`organization ready: ${started.map((r) => r.invited).join(' + ')} invitations delivered`);

    const outbox = await api.call<{ items: { link: string | null }[] }>(
      'GET',
      '/api/v1/dev/outbox',
    );
    const secrets = outbox.items.map((m) => secretOfLink(m.link));
    if (secrets.length !== invitedAll) {
      throw new Error(`the outbox holds ${secrets.length} links`);
    }
    // Every link is opened (GET /invite/:secret names the link's segment key, made when the
    // run started); the first link of each segment then gets a token the way the answer page does (the browser's blind/finalize
    // from @pulsegap/anonymity/client, the server's POST /invite/:secret/token) and submits
    // it through POST /responses.
    const firstOfKey = new Map<string, { secret: string; invite: Invite }>();
    for (const secret of secrets) {
      const invite = await api.call<Invite>('GET', `/api/v1/invite/${secret}`);
      if (!firstOfKey.has(invite.keyId)) firstOfKey.set(invite.keyId, { secret, invite });
    }
    for (const { secret, invite } of firstOfKey.values()) {
      const token = await requestToken(invite.publicKey, async (blinded) => {
        const { blindSignature } = await api.call<{ blindSignature: string }>(
          'POST',
          `/api/v1/invite/${secret}/token`,
          { blindedMessage: toBase64Url(blinded) },
        );
        return Buffer.from(blindSignature, 'base64url');
      });
      await api.call('POST', '/api/v1/responses', {
        runId: invite.runId,
        token: {
          keyId: invite.keyId,
          message: toBase64Url(token.message),
          signature: toBase64Url(token.signature),
        },
        answers: invite.questions.map((q) => ({ questionId: q.id, value: 3 })),
      });
    }

    // The segments' private keys, unsealed as the token route does (`signerFor`).
    const sealing = deriveKey(scratch.config, 'segment-key-sealing');
    const runOf = async (runId: string): Promise<RunUnderTest> => {
      const rows = await scratch.owner
        .selectFrom('segment_keys')
        .select(['id', 'public_key', 'private_key_sealed', 'segment_team_id', 'segment_tier'])
        .where('run_id', '=', runId)
        .execute();
      const segments = rows.map((row) => {
        const privateKey = createPrivateKey({
          key: decryptPrivateKey(row.private_key_sealed, sealing, sealingLabel(row.id)),
          format: 'der',
          type: 'pkcs8',
        });
        const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
        if (!derived.equals(row.public_key)) throw new Error('a segment key does not match');
        return {
          keyId: row.id,
          teamId: row.segment_team_id,
          tier: row.segment_tier,
          publicKeySpki: row.public_key,
          privateKey,
        };
      });
      const invite = [...firstOfKey.values()].find((f) => f.invite.runId === runId)?.invite;
      if (invite === undefined || segments.length === 0) throw new Error('no segment keys');
      return { runId, questionIds: invite.questions.map((q) => q.id), segments };
    };
    const runs: RunUnderTest[] = [];
    for (const run of started) runs.push(await runOf(run.runId));
    log(
      `${runs.map((r) => r.segments.length).join(' + ')} segment keys, ` +
        `${String(runs[0]?.questionIds.length)} questions; one real token per segment submitted`,
    );
    return { runs, invited: started.at(-1)?.invited ?? 0, organizationId, adminToken: api.token };
  } finally {
    await server.close();
  }
}
