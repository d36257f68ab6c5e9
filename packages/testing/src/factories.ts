import { randomUUID } from 'node:crypto';
import {
  applyRoster,
  createOrganizationWithAdmin,
  createPriority,
  createPulse,
  createRun,
  storeResponses,
  withTenant,
  type Database,
} from '@pulsegap/db';
import type { Kysely } from 'kysely';

/** A run with one question (staffing of one priority) and stored responses. */
export interface RunFixture {
  readonly organizationId: string;
  readonly runId: string;
  readonly questionId: string;
}

/**
 * Creates an organization, a priority, a pulse and a run with one question, and stores
 * one response per given value, per tier, directly in the responses table (as a release
 * would), under the whole organization's segments. The run is still open.
 */
export async function createRunFixture(
  db: Kysely<Database>,
  answers: { leadership: readonly number[]; frontline: readonly number[] },
  minGroupSize = 5,
): Promise<RunFixture> {
  const { organizationId } = await createOrganizationWithAdmin(db, {
    name: 'Fixture',
    email: `fixture-${randomUUID()}@example.test`,
    passwordHash: 'not-a-real-hash',
  });
  return withTenant(db, organizationId, async (trx) => {
    await applyRoster(
      trx,
      organizationId,
      [{ email: 'p@example.test', name: 'P', team: 'T', tier: 'frontline', parentTeam: null }],
      { deactivateMissing: false },
    );
    const priorityId = await createPriority(trx, organizationId, {
      title: 'Fixture priority',
      description: '',
      statedWeight: 5,
    });
    const pulseId = await createPulse(trx, organizationId, {
      title: 'Fixture pulse',
      priorityIds: [priorityId],
      dimensions: ['staffing'],
      openQuestion: false,
      audienceTeamIds: null,
      audienceTiers: null,
      schedule: null,
      openForHours: 72,
      minGroupSize,
      commentMinGroupSize: Math.max(10, minGroupSize),
      reminders: { halfWindow: false, hoursBeforeClose: null },
    });
    const runId = await createRun(trx, organizationId, {
      pulseId,
      openedAt: new Date(),
      closesAt: new Date(Date.now() + 72 * 3600_000),
      minGroupSize,
      commentMinGroupSize: Math.max(10, minGroupSize),
      openQuestion: false,
      audience: { teams: null, tiers: null },
      teams: [],
      questions: [{ priorityId, dimension: 'staffing', text: 'Staffed?' }],
      invitees: [],
    });
    const question = await trx
      .selectFrom('run_questions')
      .select('id')
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    const tiers = [
      ...answers.leadership.map((value) => ({ tier: 'leadership' as const, value })),
      ...answers.frontline.map((value) => ({ tier: 'frontline' as const, value })),
    ];
    await storeResponses(
      trx,
      organizationId,
      runId,
      tiers.map(({ tier, value }) => ({
        segmentTeamId: null,
        segmentTier: tier,
        comment: null,
        answers: [value],
      })),
    );
    return { organizationId, runId, questionId: question.id };
  });
}
