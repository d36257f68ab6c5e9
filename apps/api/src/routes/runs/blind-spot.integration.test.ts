import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  collectToken,
  createTestServer,
  expectProblem,
  openInvite,
  rosterRows,
  startAnsweringRun,
  storeAnswers,
  submission,
  type AnswersByDimension,
  type TestServer,
} from '../../test-support.js';

const PEOPLE = [
  ...rosterRows('bs.test', 'lead', 'Board', 'leadership', 6),
  ...rosterRows('bs.test', 'front', 'Floor', 'frontline', 6),
];
const DIMENSIONS = ['clarity', 'staffing', 'feasibility'];

interface BlindSpotBody {
  dimension: string;
  title: string;
  predicted: { n: number; mean: number } | null;
  actual: { n: number; mean: number } | null;
  difference: number | null;
  ci95: [number, number] | null;
  suppressed: boolean;
}

describe("leadership's blind spot: leaders predict the frontline's answers", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await createTestServer();
  });

  afterAll(async () => {
    await t.close();
  });

  function predictingRun(organization: string) {
    return startAnsweringRun(t.server, t.db, {
      organization,
      people: PEOPLE,
      dimensions: DIMENSIONS,
      pulse: { predictions: true },
    });
  }

  test('the pulse shows the option; leaders are asked the predictions, the frontline is not and may not answer them', async () => {
    const run = await predictingRun('Predictions Co');
    const pulse = await t.server.inject({
      url: `/api/v1/pulses/${run.pulseId}`,
      headers: bearer(run.org.token),
    });
    expect(pulse.json<{ predictions: boolean }>().predictions).toBe(true);

    const leader = await openInvite(t.server, run.secretOf('lead0@bs.test'));
    const front = await openInvite(t.server, run.secretOf('front0@bs.test'));
    const leaderQuestions = leader.questions as { id: string; dimension: string; text: string }[];
    expect(leaderQuestions.map((q) => q.dimension)).toEqual([
      'clarity',
      'staffing',
      'feasibility',
      'staffing',
      'feasibility',
    ]);
    expect(leaderQuestions[3]?.text).toBe(
      'How do you expect the frontline to rate: "My team is staffed to deliver Customer Focus alongside our other commitments."?',
    );
    expect(front.questions.map((q) => q.dimension)).toEqual(['clarity', 'staffing', 'feasibility']);

    // A frontline token answering a leaders' prediction: 400, and the token stays unused.
    const token = await collectToken(t.server, run.secretOf('front0@bs.test'), front);
    const body = submission(front, token, 2);
    const refused = expectProblem(
      await t.server.inject({
        method: 'POST',
        url: '/api/v1/responses',
        payload: {
          ...body,
          answers: [...body.answers, { questionId: leaderQuestions[3]?.id, value: 4 }],
        },
      }),
      400,
    );
    expect(refused.errors).toEqual([
      expect.objectContaining({ path: 'body/answers/3/questionId' }),
    ]);
    const accepted = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: body,
    });
    expect(accepted.statusCode, accepted.body).toBe(201);

    // A leader answers the predictions.
    const leaderToken = await collectToken(t.server, run.secretOf('lead0@bs.test'), leader);
    const answered = await t.server.inject({
      method: 'POST',
      url: '/api/v1/responses',
      payload: submission(leader, leaderToken, 4),
    });
    expect(answered.statusCode, answered.body).toBe(201);

    // Turned off, later runs ask no predictions.
    const off = await t.server.inject({
      method: 'PATCH',
      url: `/api/v1/pulses/${run.pulseId}`,
      headers: bearer(run.org.token),
      payload: { predictions: false },
    });
    expect(off.statusCode, off.body).toBe(204);
    const after = await t.server.inject({
      url: `/api/v1/pulses/${run.pulseId}`,
      headers: bearer(run.org.token),
    });
    expect(after.json<{ predictions: boolean }>().predictions).toBe(false);
  });

  test('predictions on a pulse that asks neither staffing nor feasibility are refused', async () => {
    const run = await predictingRun('No Staffing Co');
    const priority = await t.server.inject({
      url: '/api/v1/priorities',
      headers: bearer(run.org.token),
    });
    const priorityId = priority.json<{ items: { id: string }[] }>().items[0]?.id;
    const refused = expectProblem(
      await t.server.inject({
        method: 'POST',
        url: '/api/v1/pulses',
        headers: bearer(run.org.token),
        payload: {
          title: 'Clarity only',
          priorityIds: [priorityId],
          dimensions: ['clarity'],
          predictions: true,
        },
      }),
      400,
    );
    expect(refused.errors).toEqual([expect.objectContaining({ path: 'body/predictions' })]);
    const created = await t.server.inject({
      method: 'POST',
      url: '/api/v1/pulses',
      headers: bearer(run.org.token),
      payload: { title: 'Clarity only', priorityIds: [priorityId], dimensions: ['clarity'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const pulseId = created.json<{ id: string }>().id;
    expectProblem(
      await t.server.inject({
        method: 'PATCH',
        url: `/api/v1/pulses/${pulseId}`,
        headers: bearer(run.org.token),
        payload: { predictions: true },
      }),
      400,
    );
    const after = await t.server.inject({
      url: `/api/v1/pulses/${pulseId}`,
      headers: bearer(run.org.token),
    });
    expect(after.json<{ predictions: boolean }>().predictions).toBe(false);
  });

  test('the release has the blind spot, the bank cell counts only answers to the bank, and the brief names it', async () => {
    const run = await predictingRun('Blind Spot Co');
    const leaders = [5, 5, 4, 5, 4, 5];
    const predictions = [4, 4, 3, 4, 4, 3];
    const frontline = [2, 2, 1, 3, 2, 2];
    const responses: AnswersByDimension[] = [
      ...leaders.map((staffing, i) => ({
        tier: 'leadership' as const,
        values: {
          clarity: 4,
          staffing,
          feasibility: 4,
          'prediction:staffing': predictions[i] ?? 0,
          'prediction:feasibility': 3,
        },
      })),
      ...frontline.map((staffing) => ({
        tier: 'frontline' as const,
        values: { clarity: 4, staffing, feasibility: 3 },
      })),
    ];
    await storeAnswers(t.db, run.org.organizationId, run.runId, responses);

    const gaps = await t.server.inject({
      url: `/api/v1/runs/${run.runId}/gaps`,
      headers: bearer(run.org.token),
    });
    const cells = gaps.json<{
      cells: {
        dimension: string;
        teamId: string | null;
        leadership: { n: number; mean: number };
      }[];
    }>().cells;
    const staffing = cells.filter((c) => c.dimension === 'staffing' && c.teamId === null);
    expect(staffing).toHaveLength(1);
    expect(staffing[0]?.leadership.n).toBe(6);
    expect(staffing[0]?.leadership.mean).toBeCloseTo(28 / 6, 10);

    const response = await t.server.inject({
      url: `/api/v1/runs/${run.runId}/brief`,
      headers: bearer(run.org.token),
    });
    expect(response.statusCode, response.body).toBe(200);
    const brief = response.json<{
      blindSpot: { dimension: string; predictedMean: number; actualMean: number; sentence: string };
    }>();
    expect(brief.blindSpot).toEqual(
      expect.objectContaining({ dimension: 'staffing', actualMean: 2, predictedMean: 22 / 6 }),
    );
    expect(brief.blindSpot.sentence).toMatch(
      /^Leadership expected the frontline to rate staffing for Customer Focus 3\.7; it rated 2\.0 \(blind spot 1\.7, 95% CI /,
    );
    const markdown = await t.server.inject({
      url: `/api/v1/runs/${run.runId}/brief?format=md`,
      headers: bearer(run.org.token),
    });
    expect(markdown.body).toContain(
      '## Leadership’s blind spot\n\nLeadership expected the frontline to rate staffing for Customer Focus 3.7; it rated 2.0',
    );

    const blindSpots = response.json<{ blindSpots: BlindSpotBody[] }>().blindSpots;
    expect(blindSpots).toEqual([
      expect.objectContaining({
        dimension: 'staffing',
        predicted: { n: 6, mean: 22 / 6 },
        actual: { n: 6, mean: 2 },
        suppressed: false,
      }),
      expect.objectContaining({
        dimension: 'feasibility',
        predicted: { n: 6, mean: 3 },
        actual: { n: 6, mean: 3 },
        difference: 0,
        ci95: null,
        suppressed: false,
      }),
    ]);
  });

  test('with fewer than k leaders predicting, the blind spot is suppressed and carries no number', async () => {
    const run = await predictingRun('Few Predictions Co');
    const responses: AnswersByDimension[] = [
      ...[0, 1, 2, 3, 4, 5].map((i) => ({
        tier: 'leadership' as const,
        values: {
          clarity: 4,
          staffing: 5,
          feasibility: 4,
          ...(i < 3 ? { 'prediction:staffing': 5, 'prediction:feasibility': 5 } : {}),
        },
      })),
      ...[0, 1, 2, 3, 4, 5].map(() => ({
        tier: 'frontline' as const,
        values: { clarity: 4, staffing: 1, feasibility: 1 },
      })),
    ];
    await storeAnswers(t.db, run.org.organizationId, run.runId, responses);
    const brief = await t.server.inject({
      url: `/api/v1/runs/${run.runId}/brief`,
      headers: bearer(run.org.token),
    });
    const blindSpots = brief.json<{ blindSpots: BlindSpotBody[] }>().blindSpots;
    expect(blindSpots).toHaveLength(2);
    for (const item of blindSpots) {
      expect(item).toEqual({
        priorityId: expect.any(String),
        title: 'Customer Focus',
        dimension: item.dimension,
        predicted: null,
        actual: null,
        difference: null,
        ci95: null,
        suppressed: true,
      });
    }
    expect(brief.json<{ blindSpot: unknown }>().blindSpot).toBeNull();
    // The brief says why it names none.
    expect(brief.json<{ notes: string[] }>().notes).toContain(
      "2 of leadership's predictions were withheld to protect anonymity (fewer than k = 5 leaders predicting, or frontline respondents answering).",
    );
    const markdown = await t.server.inject({
      url: `/api/v1/runs/${run.runId}/brief?format=md`,
      headers: bearer(run.org.token),
    });
    expect(markdown.body).not.toContain('blind spot');
  });
});
