// `npm run bench -- issuance`: blind signatures per second of the real
// `POST /api/v1/invite/:secret/token` (one token per invitation, so every request uses a
// different invitation), and the raw `BlindSigner.sign` rate for context. See
// docs/PERFORMANCE.md.
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { BlindSigner, decryptPrivateKey } from '@pulsegap/anonymity';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import { createHttpServer, sealingLabel } from '@pulsegap/api';
import { deriveKey } from '@pulsegap/config';
import { openDatabase, type Database, type DatabaseHandle } from '@pulsegap/db';
import { sql, type Kysely } from 'kysely';
import {
  Api,
  assertClean,
  CONNECTIONS,
  cpuCell,
  createPriorities,
  createBenchDatabase,
  describeWindow,
  DURATION_S,
  fmt,
  importRoster,
  listen,
  LoadGenerator,
  log,
  machine,
  roster,
  secretOfLink,
  settled,
  signup,
  startRun,
  today,
  writeDocSection,
  type ScratchDatabase,
  type Window,
} from './harness.js';

const TARGET_PER_S = 2000;
/**
 * Seconds of load before the window. The route reaches its steady rate only after a few
 * seconds of load (per second, a run with a 2 s warm-up counted 870 and 1,002 in the
 * warm-up, then 1,441, 1,941 and 2,202 in the window's first seconds and 2,080-2,445 in
 * the rest), so a shorter warm-up would count the ramp as part of the rate.
 */
const ISSUANCE_WARMUP_S = 6;

// Invitations: ORGANIZATIONS × TEAMS × (LEADERS + FRONTLINE). Each organization's
// deliver-invitations job runs at the same time as the others'.
const ORGANIZATIONS = 4;
const TEAMS = 5;
const LEADERS_PER_TEAM = 100;
const FRONTLINE_PER_TEAM = 2900;

/** The blinded message of one request. */
function blindedMessage(): string {
  // A blinded message is uniformly distributed below the key's modulus n (the PSS-encoded
  // token times r^e mod n). 256 random bytes with the top bit cleared are below any 2048-bit
  // modulus (whose top bit is set) and cost the signer exactly the same.
  const bytes = randomBytes(256);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return toBase64Url(bytes);
}

interface Invite {
  keyId: string;
  publicKey: string;
}

/**
 * Organizations with their rosters (JSON imports of at most 20,000 rows), a started run
 * each, and the run's invitations delivered into the development outbox. Returns every
 * invitation secret, read from the links of the messages in the outbox, and the segment
 * keys, made by opening one link per segment (GET /invite/:secret) as an employee would.
 */
async function setUp(scratch: ScratchDatabase, db: Kysely<Database>) {
  const server = await createHttpServer({ config: scratch.config, db });
  try {
    const organizations = await Promise.all(
      Array.from({ length: ORGANIZATIONS }, async (_, o) => {
        const api = new Api(server);
        const organizationId = await signup(api, `Issuance Benchmark ${o + 1}`);
        await importRoster(api, roster(TEAMS, LEADERS_PER_TEAM, FRONTLINE_PER_TEAM));
        const priorityIds = await createPriorities(api, 4);
        const run = await startRun(api, scratch, db, organizationId, 'Pulse', priorityIds);
        return { api, organizationId, ...run };
      }),
    );
    const invited = organizations.reduce((sum, o) => sum + o.invited, 0);

    // The development outbox as the owner sees it (GET /dev/outbox lists the latest 1,000
    // messages; the check below compares the two on those).
    const messages = await scratch.owner
      .selectFrom('outbound_messages as m')
      .innerJoin('people as p', (join) =>
        join
          .onRef('p.email', '=', 'm.recipient')
          .onRef('p.organization_id', '=', 'm.organization_id'),
      )
      .innerJoin('invitations as i', 'i.person_id', 'p.id')
      .select(['m.link', 'm.organization_id', 'i.segment_team_id', 'i.segment_tier'])
      .execute();
    if (messages.length !== invited) {
      throw new Error(`${messages.length} messages in the outbox for ${invited} invitations`);
    }
    const first = organizations[0];
    if (first !== undefined) {
      const listed = await first.api.call<{ items: { link: string | null }[] }>(
        'GET',
        '/api/v1/dev/outbox',
      );
      const ours = new Set(
        messages.filter((m) => m.organization_id === first.organizationId).map((m) => m.link),
      );
      if (listed.items.length === 0 || !listed.items.every((m) => ours.has(m.link))) {
        throw new Error('GET /dev/outbox does not list the links found in the outbox');
      }
    }

    // One link per segment: opened (its key was made when the run started), then a real token
    // through the blind round trip of the answer page. These invitations are used up.
    const bySegment = new Map<string, string>();
    for (const m of messages) {
      const segment = `${m.organization_id}/${m.segment_team_id ?? '-'}/${m.segment_tier}`;
      if (!bySegment.has(segment)) bySegment.set(segment, secretOfLink(m.link));
    }
    const api = new Api(server);
    for (const secret of bySegment.values()) {
      const invite = await api.call<Invite>('GET', `/api/v1/invite/${secret}`);
      await requestToken(invite.publicKey, async (blinded) => {
        const { blindSignature } = await api.call<{ blindSignature: string }>(
          'POST',
          `/api/v1/invite/${secret}/token`,
          { blindedMessage: toBase64Url(blinded) },
        );
        return Buffer.from(blindSignature, 'base64url');
      });
    }
    const used = new Set(bySegment.values());
    const secrets = messages.map((m) => secretOfLink(m.link)).filter((s) => !used.has(s));
    // Shuffled, so that consecutive requests do not walk one organization after another.
    for (let i = secrets.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [secrets[i], secrets[j]] = [secrets[j] as string, secrets[i] as string];
    }
    log(
      `${ORGANIZATIONS} organizations, ${invited} invitations delivered, ${bySegment.size} ` +
        `segment keys; one real token per segment issued`,
    );
    return { secrets, invited, segments: bySegment.size };
  } finally {
    await server.close();
  }
}

/** `BlindSigner.sign` in this process, one core, for `seconds`: signatures per second. */
async function rawSignRate(scratch: ScratchDatabase, seconds: number): Promise<number> {
  const row = await scratch.owner
    .selectFrom('segment_keys')
    .select(['id', 'private_key_sealed'])
    .executeTakeFirstOrThrow();
  const signer = new BlindSigner(
    decryptPrivateKey(
      row.private_key_sealed,
      deriveKey(scratch.config, 'segment-key-sealing'),
      sealingLabel(row.id),
    ),
  );
  const messages = Array.from({ length: 1000 }, () => Buffer.from(blindedMessage(), 'base64url'));
  for (let i = 0; i < 200; i += 1) signer.sign(messages[i % 1000] as Buffer);
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i += 1) signer.sign(messages[(count + i) % 1000] as Buffer);
    count += 100;
  }
  return count / ((performance.now() - start) / 1000);
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

async function main(): Promise<void> {
  const scratch = await createBenchDatabase();
  log(`scratch database ${scratch.name} migrated`);
  const handles: DatabaseHandle[] = [];
  const load = LoadGenerator.start();
  try {
    const open = async () => {
      const handle = await openDatabase(scratch.config);
      handles.push(handle);
      return handle.db;
    };
    const db = await open();
    const { secrets, invited, segments } = await setUp(scratch, db);
    const collected = async () =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from invitations where token_collected`.execute(scratch.owner)
      ).rows[0]?.n ?? 0;
    const collectedBefore = await collected();

    const signPerSecond = await rawSignRate(scratch, 2);
    log(`BlindSigner.sign: ${Math.round(signPerSecond)}/s on one core`);

    // The real route: createHttpServer, POST /api/v1/invite/:secret/token.
    const app = await createHttpServer({ config: scratch.config, db });
    const url = await listen(app);
    let pool = secrets.map((secret) => ({
      secret,
      line: `${secret} ${JSON.stringify({ blindedMessage: blindedMessage() })}`,
    }));
    const warmup = await load.run({
      url,
      seconds: ISSUANCE_WARMUP_S,
      kind: 'token',
      pool: 'once',
      lines: pool.map((p) => p.line),
    });
    assertClean('issuance warm-up', warmup);
    const acknowledged = warmup.acknowledged.map((i) => hashOf(pool[i]?.secret ?? ''));
    pool = pool.slice(warmup.taken);
    log(`issuance: warm-up ${Math.round(warmup.perSecond)}/s; ${pool.length} invitations left`);
    const measured = await load.run({
      url,
      seconds: DURATION_S,
      kind: 'token',
      pool: 'once',
      lines: pool.map((p) => p.line),
    });
    assertClean('issuance', measured);
    acknowledged.push(...measured.acknowledged.map((i) => hashOf(pool[i]?.secret ?? '')));
    log(describeWindow('issuance', measured));
    await app.close();

    // Every 200 answered is recorded: its invitation is marked as having had its token.
    const marked = await sql<{ n: number }>`
      select count(*)::int as n from invitations
      where token_collected
        and secret_hash in (select decode(h, 'hex') from unnest(${acknowledged}::text[]) as h)
    `.execute(scratch.owner);
    const recorded = marked.rows[0]?.n ?? 0;
    const inFlight = (await settled(collected)) - collectedBefore - acknowledged.length;
    if (recorded !== acknowledged.length) {
      throw new Error(`${acknowledged.length} tokens issued but ${recorded} invitations marked`);
    }
    if (inFlight < 0 || inFlight > 2 * CONNECTIONS) {
      throw new Error(`${inFlight} invitations marked beyond the acknowledged ones`);
    }
    log(`recorded: ${recorded}/${acknowledged.length} (+${inFlight} in flight at cut-off)`);
    const finalLine = `issuance: per_s=${Math.round(measured.perSecond)} sign_per_s=${Math.round(signPerSecond)}`;

    await writeDocSection(
      'issuance',
      report({
        machine: machine(scratch),
        measured,
        signPerSecond,
        invited,
        segments,
        recorded,
        acknowledged: acknowledged.length,
        inFlight,
        finalLine,
      }),
    );
    process.stdout.write(`${finalLine}\n`);
  } finally {
    load.close();
    for (const handle of handles) await handle.close();
    await scratch.drop();
  }
}

function report(r: {
  machine: string;
  measured: Window;
  signPerSecond: number;
  invited: number;
  segments: number;
  recorded: number;
  acknowledged: number;
  inFlight: number;
  finalLine: string;
}): string {
  const w = r.measured;
  const cpu = cpuCell(w.cpu);
  const perRun = Math.round(r.invited / ORGANIZATIONS);
  return `
## Issuance: \`POST /api/v1/invite/:secret/token\`

Latest run: ${today()}, on ${r.machine}. Load: ${CONNECTIONS} connections, ${ISSUANCE_WARMUP_S} s warm-up
then a ${DURATION_S} s measured window.

| Measured | per second | p50 ms | p99 ms | max ms | CPU cores: server / load generator / PostgreSQL / other |
| --- | --: | --: | --: | --: | --: |
| token route, 2xx | ${fmt(w.perSecond)} | ${w.p50} | ${w.p99} | ${w.max} | ${cpu} |
| \`BlindSigner.sign\` alone, one core, in-process | ${fmt(r.signPerSecond)} | | | | |

| Target (from the issue) | Measured | Result |
| --- | --: | --- |
| at least ${fmt(TARGET_PER_S)} signatures/s | ${fmt(w.perSecond)}/s | ${w.perSecond >= TARGET_PER_S ? '**pass**' : '**FAIL**'} |

Output: \`${r.finalLine}\`

- Recorded, checked after the run in the database: ${fmt(r.recorded)} of ${fmt(r.acknowledged)}
  invitations that got a blind signature are marked as having had their token
  (+${r.inFlight} from requests in flight when a window closed).
- 2xx responses in each second of the window (the last one partial): ${w.perSecondCounts.map((n) => fmt(n)).join(', ')}.

**What is measured.** Blind signatures issued per second by the real route: 2xx responses
per second of the measured window. Each request uses a different invitation (one token per
invitation): requests arriving together share one statement that looks their invitations
up by secret and one that claims their tokens (locked, once each, only while the run is
open; committed before any signature is given); then each blinded message is signed with
its segment's key on a signing thread and the signature checked before it is returned.
The warm-up is ${ISSUANCE_WARMUP_S} s because the route reaches its steady rate only after a few
seconds of load. Any non-2xx (a 409 would mean a reused
invitation), connection error or timeout fails the run. \`sign_per_s\` is
\`BlindSigner.sign\` (RSA-2048 private operation plus its verification) in a loop on one
core with no server running: the ceiling of signing on one event loop.

**How.**

- The server is \`createHttpServer\` (pool of 10 connections, the API's default) in the
  benchmark's process; the load generator is autocannon's programmatic API in a **child
  process** (bench/load.ts), sharing the ${os.cpus().length} cores with the server and
  PostgreSQL. CPU is sampled from /proc over each
  window, in cores: the server's process, the load generator's, all PostgreSQL processes,
  and everything else on the machine.
- Data, through the API in-process (\`inject\`): ${ORGANIZATIONS} organizations (signup), each
  with a roster of ${fmt(perRun)} people (${TEAMS} teams of ${LEADERS_PER_TEAM} leaders and
  ${FRONTLINE_PER_TEAM} frontline staff, JSON imports of at most 20,000 rows) and one started
  run; each run's deliver-invitations job writes one message per invitee into the development
  outbox (the ${ORGANIZATIONS} jobs run at the same time to keep setup short). The
  ${fmt(r.invited)} invitation secrets are taken from the links of those messages, read from
  the outbox table (\`GET /dev/outbox\` shows the latest 1,000, which are checked to match).
- Every segment's key is made when its run starts, so no key is generated during the
  measurement. One link per segment (${r.segments} segments) is opened with
  \`GET /invite/:secret\` and gets a real token through the answer page's \`requestToken\`;
  those invitations are left out of the load.
- Each request's blinded message is 256 random bytes below 2^2047 (under every 2048-bit
  modulus): a real blinded message is uniform below the modulus, and signing costs the
  same. Secrets are shuffled across the organizations.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `issuance benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
