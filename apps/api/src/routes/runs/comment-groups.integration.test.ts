import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  answer,
  closeByHand,
  listTeams,
  read,
  releaseByWorker,
  type TeamItem,
} from '../../attack-support.js';
import {
  createTestServer,
  startAnsweringRun,
  type AnsweringRun,
  type TestServer,
} from '../../test-support.js';

const THRESHOLD = 10;
const LONE = 'the lone frontline comment';

interface CommentGroup {
  teamId: string | null;
  team: string | null;
  tier: 'leadership' | 'frontline';
  comments: string[];
}
interface Comments {
  commentMinGroupSize: number;
  items: CommentGroup[];
  withheld: { teamId: string | null; team: string | null; tier: string; reason: string }[];
}

/** A roster line and what that person says, if they answer at all. */
interface Member {
  readonly line: string;
  readonly team: string;
  readonly email: string;
  readonly tier: 'leadership' | 'frontline';
  readonly comment: string | null;
}

function members(
  domain: string,
  prefix: string,
  team: string,
  tier: 'leadership' | 'frontline',
  n: number,
  options: { parent?: string; answering?: number; comment?: (i: number) => string } = {},
): Member[] {
  return Array.from({ length: n }, (_, i) => ({
    line: `${prefix}${i}@${domain},${prefix}${i},${team},${tier},${options.parent ?? ''}`,
    team,
    email: `${prefix}${i}@${domain}`,
    tier,
    comment:
      i < (options.answering ?? n) ? (options.comment ?? ((j) => `${team} ${tier} ${j}`))(i) : null,
  }));
}

/** Multiset difference: what is in `a` and not in `b`, or null when `b` is not inside `a`. */
function difference(a: readonly string[], b: readonly string[]): string[] | null {
  const rest = [...a];
  for (const c of b) {
    const at = rest.indexOf(c);
    if (at === -1) return null;
    rest.splice(at, 1);
  }
  return rest;
}

describe('leaders padding a frontline comment group', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  /** Starts a run of `roster`, lets everyone with a comment answer, releases it, reads its comments. */
  async function releasedComments(organization: string, roster: readonly Member[]) {
    const run: AnsweringRun = await startAnsweringRun(t.server, t.db, {
      organization,
      header: 'email,name,team,tier,parent_team',
      people: roster.map((m) => m.line),
      dimensions: ['staffing'],
    });
    for (const m of roster) {
      if (m.comment !== null) {
        await answer(t.server, run.secretOf(m.email), m.tier === 'leadership' ? 5 : 2, m.comment);
      }
    }
    await closeByHand(t.server, run.org.token, run.runId);
    await releaseByWorker(t.db, run.org.organizationId, run.runId);
    const comments = await read(t.server, run.org.token, `/api/v1/runs/${run.runId}/comments`);
    expect(comments.status, comments.body).toBe(200);
    const body = JSON.parse(comments.body) as Comments;
    expect(body.commentMinGroupSize).toBe(THRESHOLD);
    return { body, teams: await listTeams(t.server, run.org.token) };
  }

  /**
   * What no list may allow: a list of another tier's comments, a list under the threshold, or
   * two shown lists of one tier whose difference is a non-empty group under the threshold
   * (every respondent here comments, so comments count respondents).
   */
  function expectNoDifferencing(body: Comments, roster: readonly Member[]) {
    const tierOf = new Map(
      roster.flatMap((m) => (m.comment === null ? [] : [[m.comment, m.tier]])),
    );
    for (const g of body.items) {
      expect(g.comments.length, `${g.team ?? 'organization'} ${g.tier}`).toBeGreaterThanOrEqual(
        THRESHOLD,
      );
      for (const c of g.comments) expect(tierOf.get(c), c).toBe(g.tier);
    }
    for (const a of body.items) {
      for (const b of body.items) {
        if (a === b || a.tier !== b.tier) continue;
        const rest = difference(a.comments, b.comments);
        if (rest === null || rest.length === 0) continue;
        expect(
          rest.length,
          `${a.team ?? 'organization'} − ${b.team ?? 'organization'}`,
        ).toBeGreaterThanOrEqual(THRESHOLD);
      }
    }
  }

  test("twelve leaders cannot fill a frontline group's threshold: the lone frontline comment is in no list", async () => {
    // The adversary puts twelve leaders in Board with one frontline person. Counting both
    // tiers, Board reaches the comment threshold and its list shows that person's comment.
    const roster = [
      ...members('lone.test', 'boss', 'Board', 'leadership', 12),
      ...members('lone.test', 'bf', 'Board', 'frontline', 5, {
        answering: 1,
        comment: () => LONE,
      }),
      // Eight more frontline respondents: nine in all, one short of the threshold.
      ...members('lone.test', 'floor', 'Floor', 'frontline', 10, { answering: 8 }),
    ];
    const { body } = await releasedComments('Lone Frontline Co', roster);
    expect(body.items.flatMap((g) => g.comments)).not.toContain(LONE);
    expect(body.items.filter((g) => g.tier === 'frontline')).toEqual([]);
    // The leaders' own lists are shown, per tier: Board's and the whole organization's.
    const leaders = body.items.filter((g) => g.tier === 'leadership');
    expect(leaders.map((g) => g.team).sort()).toEqual(['Board', null].sort());
    for (const g of leaders) expect(g.comments).toHaveLength(12);
    expect(body.withheld).toContainEqual(
      expect.objectContaining({ teamId: null, tier: 'frontline', reason: 'small' }),
    );
    expectNoDifferencing(body, roster);
  }, 120_000);

  describe('Board with a lone frontline commenter, and Ops (Floor and Dock) beneath the threshold together', () => {
    const roster = [
      ...members('groups.test', 'boss', 'Board', 'leadership', 12),
      ...members('groups.test', 'bf', 'Board', 'frontline', 5, {
        answering: 1,
        comment: () => LONE,
      }),
      ...members('groups.test', 'floor', 'Floor', 'frontline', 10, { parent: 'Ops' }),
      ...members('groups.test', 'dock', 'Dock', 'frontline', 11, { parent: 'Ops' }),
    ];
    let body: Comments;
    let teams: TeamItem[];

    beforeAll(async () => {
      ({ body, teams } = await releasedComments('Comment Groups Co', roster));
    }, 180_000);

    /** The comments of a group's roll-up and tier, by the roster (the tree did not change). */
    const commentsOf = (teamId: string | null, tier: string) => {
      const parent = new Map(teams.map((team) => [team.id, team.parentId]));
      const idOf = new Map(teams.map((team) => [team.name, team.id]));
      return roster
        .filter((m) => {
          if (m.tier !== tier || m.comment === null) return false;
          for (let at = idOf.get(m.team) ?? null; at !== null; at = parent.get(at) ?? null) {
            if (at === teamId) return true;
          }
          return teamId === null;
        })
        .map((m) => m.comment ?? '')
        .sort();
    };
    const nameOf = (teamId: string | null) =>
      teamId === null ? null : (teams.find((team) => team.id === teamId)?.name ?? '?');

    test('a frontline group reaching the threshold shows its comments; no list of a smaller group is the difference of two shown lists', () => {
      // The adversary reads team, parent and organization lists of one tier and subtracts:
      // the organization's frontline minus Ops' would be Board's lone frontline comment.
      expectNoDifferencing(body, roster);
      const frontline = body.items.filter((g) => g.tier === 'frontline');
      // The whole organization's frontline list: all 22 frontline comments, the lone one
      // among them, the only list that holds it.
      expect(frontline.find((g) => g.teamId === null)?.comments.sort()).toEqual(
        commentsOf(null, 'frontline'),
      );
      expect(body.items.filter((g) => g.comments.includes(LONE)).map((g) => g.teamId)).toEqual([
        null,
      ]);
      // Some team's frontline reaches the threshold and shows its comments.
      expect(frontline.filter((g) => g.teamId !== null).length).toBeGreaterThan(0);
      // Leaders' comments only in leaders' lists: Board's and the whole organization's.
      expect(
        body.items.filter((g) => g.tier === 'leadership').map((g) => g.comments.length),
      ).toEqual([12, 12]);
    });

    // PRODUCT BUG (roll-ups that leave a child team out): at close, the lone Board frontline
    // respondent is merged into the organization's own segment, which is then under k, so
    // `mergeSmallSegments` moves "the smallest remaining segment" (Floor, 10 respondents)
    // into the organization too, skipping its parent Ops. Ops' frontline list (and its gap
    // cells) then shows Dock's 11 comments alone under the name Ops, while Ops had 21
    // respondents, and participation says so: a team's report silently leaves out a team
    // beneath it.
    test("a team's comment list holds every comment of its roll-up, or is withheld", () => {
      for (const g of body.items.filter((item) => item.teamId !== null)) {
        expect([...g.comments].sort(), `${nameOf(g.teamId) ?? ''} ${g.tier}`).toEqual(
          commentsOf(g.teamId, g.tier),
        );
      }
    });
  });
});
