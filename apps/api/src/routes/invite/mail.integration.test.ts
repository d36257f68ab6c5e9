import type { AddressInfo } from 'node:net';
import type { Database } from '@pulsegap/db';
import { createJobContext, runJob, type JobContext } from '@pulsegap/jobs';
import { openOwnerDatabase, testConfig } from '@pulsegap/testing';
import { sql, type Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createPriority,
  createTestServer,
  signup,
  type TestOrganization,
  type TestServer,
} from '../../test-support.js';

/** A message as the SMTP server received it. */
interface Received {
  readonly recipients: string[];
  readonly raw: string;
}

// The first five are leaders, the others frontline: at least k of each, or no run starts.
const ROSTER = ['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus', 'hal', 'ida', 'jo'].map(
  (name) => `${name}@mail.test`,
);

/** The decoded body of a single-part message (quoted-printable, base64 or plain). */
function bodyOf(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  // Soft line breaks (`=` at the end of a line) join lines; `=XX` is a byte.
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i += 1) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(joined.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function header(raw: string, name: string): string | undefined {
  const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers)?.[1];
}

// Invitations over real SMTP: a server in this process receives what the delivery job sends.
describe('invitations by mail', () => {
  const received: Received[] = [];
  /** Recipients the server refuses, once each (a mailbox that is briefly unavailable). */
  const refuseOnce = new Set<string>();
  let smtp: SMTPServer;
  let t: TestServer;
  let owner: Kysely<Database>;
  let org: TestOrganization;
  let context: JobContext;
  let pulseId: string;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (refuseOnce.delete(address.address)) {
          callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 550 }));
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            recipients: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('latin1'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => {
      smtp.listen(0, '127.0.0.1', resolve);
    });
    const { port } = smtp.server.address() as AddressInfo;

    t = await createTestServer();
    owner = openOwnerDatabase();
    context = createJobContext({ ...testConfig(), smtpUrl: `smtp://127.0.0.1:${port}` }, t.db);
    org = await signup(t.server, 'Mail Co');
    const imported = await t.server.inject({
      method: 'POST',
      url: '/api/v1/people/import',
      headers: bearer(org.token),
      payload: {
        people: ROSTER.map((email, i) => ({
          email,
          name: `Person ${i}`,
          team: 'Warehouse',
          tier: i < 5 ? 'leadership' : 'frontline',
        })),
      },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const priorityId = await createPriority(t.server, org.token, {
      title: 'On-time delivery',
      statedWeight: 5,
    });
    const pulse = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(org.token),
      payload: {
        title: 'Warehouse pulse',
        priorityIds: [priorityId],
        dimensions: ['staffing'],
      },
    });
    expect(pulse.statusCode, pulse.body).toBe(201);
    pulseId = pulse.json<{ id: string }>().id;
  });
  afterAll(async () => {
    context.mailer.close();
    await new Promise<void>((resolve) => {
      smtp.close(resolve);
    });
    await t.close();
    await owner.destroy();
  });

  /** Starts a run through the API; returns its id and the delivery job it asked for. */
  async function startRun(): Promise<{ runId: string; job: { name: string; payload: unknown } }> {
    const run = await t.server.inject({
      method: 'POST',
      url: `/api/v1/pulses/${pulseId}/runs`,
      headers: bearer(org.token),
    });
    expect(run.statusCode, run.body).toBe(201);
    const runId = run.json<{ id: string }>().id;
    // The job as the run asked for it, from the outbox the relay hands to the queue: the
    // only one a starting run asks for (its figures wait for its release).
    const { rows } = await sql<{ job_name: string; payload: unknown }>`
      select job_name, payload from outbox where payload->>'runId' = ${runId}
    `.execute(owner);
    expect(rows.map((r) => r.job_name)).toEqual(['deliver-invitations']);
    const [row] = rows;
    expect(row?.payload).toEqual({ organizationId: org.organizationId, runId });
    return { runId, job: { name: row?.job_name ?? '', payload: row?.payload } };
  }

  async function delivered(runId: string): Promise<boolean[]> {
    const { rows } = await sql<{ delivered: boolean }>`
      select delivered from invitations where run_id = ${runId}
    `.execute(owner);
    return rows.map((r) => r.delivered);
  }

  test('each invitee gets one message with a personal link that opens the pulse', async () => {
    const { runId, job } = await startRun();
    expect(await delivered(runId)).toEqual(ROSTER.map(() => false));

    await runJob(context, job.name, job.payload);

    expect(received).toHaveLength(ROSTER.length);
    expect(received.flatMap((m) => m.recipients).sort()).toEqual([...ROSTER].sort());
    const secrets = new Set<string>();
    for (const message of received) {
      expect(message.recipients).toHaveLength(1);
      expect(header(message.raw, 'to')).toContain(message.recipients[0]);
      expect(header(message.raw, 'subject')).toContain('Warehouse pulse');
      expect(header(message.raw, 'from')).toContain('pulse@localhost');
      const body = bodyOf(message.raw);
      const links = [...body.matchAll(/(https?:\/\/\S+)\/answer\/([A-Za-z0-9_-]+)/g)];
      expect(links, body).toHaveLength(1);
      const [, base, secret] = links[0] ?? [];
      expect(base).toBe(testConfig().publicUrl);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      secrets.add(secret ?? '');

      const opened = await t.server.inject({ url: `/api/v1/invite/${secret ?? ''}` });
      expect(opened.statusCode, opened.body).toBe(200);
      expect(opened.json<{ runId: string; title: string }>()).toMatchObject({
        runId,
        title: 'Warehouse pulse',
      });
    }
    expect(secrets.size).toBe(ROSTER.length);
    expect(await delivered(runId)).toEqual(ROSTER.map(() => true));

    // Idempotent: a second run of the job (a retry, a duplicate) sends nothing more.
    await runJob(context, job.name, job.payload);
    expect(received).toHaveLength(ROSTER.length);

    // In SMTP mode the development outbox stays empty: no copy of a link is stored.
    const outbox = await t.server.inject({ url: '/api/v1/dev/outbox', headers: bearer(org.token) });
    expect(outbox.statusCode).toBe(200);
    expect(outbox.json<{ items: unknown[] }>().items).toEqual([]);
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from outbound_messages
       where organization_id = ${org.organizationId}
    `.execute(owner);
    expect(rows).toEqual([{ count: 0 }]);

    await t.server.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/close`,
      headers: bearer(org.token),
    });
  });

  test('a refused recipient fails the job, and the retry sends only what is left', async () => {
    received.length = 0;
    const { runId, job } = await startRun();
    const refused = ROSTER[2] ?? '';
    refuseOnce.add(refused);

    await expect(runJob(context, job.name, job.payload)).rejects.toThrow();
    const first = received.flatMap((m) => m.recipients);
    expect(first).not.toContain(refused);
    expect((await delivered(runId)).filter(Boolean)).toHaveLength(first.length);

    await runJob(context, job.name, job.payload);
    const all = received.flatMap((m) => m.recipients);
    expect(all.sort()).toEqual([...ROSTER].sort());
    expect(await delivered(runId)).toEqual(ROSTER.map(() => true));
  });
});
