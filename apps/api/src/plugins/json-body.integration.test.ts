import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  bearer,
  createTestServer,
  expectProblem,
  signup,
  type TestOrganization,
  type TestServer,
} from '../test-support.js';

// JSON text may escape characters outside the basic plane as a pair of surrogates; one of
// the pair alone is no character (and PostgreSQL refuses it inside JSON).
describe('surrogate escapes in JSON bodies', () => {
  let t: TestServer;
  let org: TestOrganization;
  beforeAll(async () => {
    t = await createTestServer();
    org = await signup(t.server, 'Unicode Co');
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (body: string) =>
    t.server.inject({
      method: 'POST',
      url: '/api/v1/priorities',
      headers: { ...bearer(org.token), 'content-type': 'application/json' },
      payload: body,
    });
  const titles = async () =>
    (await t.server.inject({ url: '/api/v1/priorities', headers: bearer(org.token) }))
      .json<{ items: { title: string }[] }>()
      .items.map((p) => p.title);

  test('a pair is the character it escapes; a literal backslash-u is text', async () => {
    expect((await create('{"title":"Ship \\ud83d\\ude80","statedWeight":3}')).statusCode).toBe(201);
    expect((await create('{"title":"Path \\\\ud800","statedWeight":3}')).statusCode).toBe(201);
    expect(await titles()).toEqual(expect.arrayContaining(['Ship 🚀', 'Path \\ud800']));
  });

  test('a lone surrogate is a 400 naming it, and nothing is stored', async () => {
    const before = await titles();
    for (const body of [
      '{"title":"\\ud800","statedWeight":3}',
      '{"title":"x\\udc00y","statedWeight":3}',
      '{"title":"\\ude80\\ud83d","statedWeight":3}',
    ]) {
      expect(expectProblem(await create(body), 400).code).toBe('PG_ERR_INVALID_UNICODE');
    }
    expect(await titles()).toEqual(before);
  });
});
