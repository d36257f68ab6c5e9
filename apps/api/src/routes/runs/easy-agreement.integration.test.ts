import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  rosterRows,
  startAnsweringRun,
  storeAnswers,
  type AnswersByDimension,
  type TestServer,
} from '../../test-support.js';

// Ten leaders and ten frontline people answer three statements about Customer Focus:
// - staffing: nine leaders of ten at 4–5, the frontline split four at 1–2, four at 4–5;
// - clarity: the same leaders, and a frontline mostly agreeing too;
// - feasibility: split as staffing, but only three leaders answer it (under k = 5).
const staffing = {
  leadership: [5, 5, 5, 4, 4, 4, 4, 5, 4, 3],
  frontline: [1, 2, 1, 2, 5, 4, 4, 5, 3, 3],
};
const clarity = {
  leadership: staffing.leadership,
  frontline: [4, 4, 5, 5, 4, 4, 5, 3, 2, 4],
};
const feasibility = {
  leadership: [5, 5, 4, null, null, null, null, null, null, null],
  frontline: staffing.frontline,
};

describe('agreement that came too easily, in the release and the brief', () => {
  let t: TestServer;
  let token: string;
  let runId: string;

  beforeAll(async () => {
    t = await createTestServer();
    const started = await startAnsweringRun(t.server, t.db, {
      organization: 'Easy Agreement Co',
      people: [
        ...rosterRows('ea.test', 'lead', 'Board', 'leadership', 10),
        ...rosterRows('ea.test', 'front', 'Floor', 'frontline', 10),
      ],
      dimensions: ['clarity', 'staffing', 'feasibility'],
    });
    token = started.org.token;
    runId = started.runId;
    const responses: AnswersByDimension[] = (['leadership', 'frontline'] as const).flatMap((tier) =>
      Array.from({ length: 10 }, (_, i) => ({
        tier,
        values: {
          staffing: staffing[tier][i] ?? undefined,
          clarity: clarity[tier][i] ?? undefined,
          feasibility: feasibility[tier][i] ?? undefined,
        },
      })),
    );
    await storeAnswers(t.db, started.org.organizationId, runId, responses);
  });

  afterAll(async () => {
    await t.close();
  });

  test('the split staffing cell is flagged with its question; the agreeing and the small are not', async () => {
    const response = await t.server.inject({
      url: `/api/v1/runs/${runId}/brief`,
      headers: bearer(token),
    });
    expect(response.statusCode, response.body).toBe(200);
    const brief = response.json<{
      easyAgreements: {
        dimension: string;
        title: string;
        side: string;
        leadershipShare: number;
        frontlineAgree: number;
        frontlineDisagree: number;
        leadershipN: number;
        frontlineN: number;
        question: string;
      }[];
    }>();
    expect(brief.easyAgreements).toEqual([
      expect.objectContaining({
        title: 'Customer Focus',
        dimension: 'staffing',
        side: 'agree',
        leadershipShare: 0.9,
        frontlineAgree: 0.4,
        frontlineDisagree: 0.4,
        leadershipN: 10,
        frontlineN: 10,
        question:
          "Leadership agrees almost to a person on staffing for Customer Focus; the frontline is split. What does each half of the frontline see that the other doesn't?",
      }),
    ]);
    // Feasibility would be flagged, but its leadership is under k: the cell shows nothing.
    expect(JSON.stringify(brief)).not.toContain('on feasibility');

    const markdown = await t.server.inject({
      url: `/api/v1/runs/${runId}/brief?format=md`,
      headers: bearer(token),
    });
    expect(markdown.statusCode, markdown.body).toBe(200);
    expect(markdown.body).toContain(
      '## Agreement that came too easily\n\n- Leadership agrees almost to a person on staffing for Customer Focus; the frontline is split.',
    );
    expect(markdown.body).not.toContain('on clarity for');
  });
});
