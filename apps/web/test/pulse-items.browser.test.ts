import { randomUUID } from 'node:crypto';
import { requestToken, toBase64Url } from '@pulsegap/anonymity/client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { callApi, startTestSite, type TestSite } from './site.js';

const PASSWORD = 'correct horse battery';
const WAIT = { timeout: 8_000 };

// The pulse builder offers the organization's custom items beside the bank's dimensions, and
// the option that asks leaders to predict the frontline; what HR chooses is what is saved.
describe('the pulse builder: custom items and leaders’ predictions, in Chromium', () => {
  let site: TestSite;
  let browser: Browser;
  let baseUrl: string;
  let email: string;
  let token: string;

  const api = <T>(path: string, body?: unknown): Promise<T> =>
    callApi<T>(baseUrl, token, path, body);

  beforeAll(async () => {
    site = await startTestSite();
    ({ browser, baseUrl } = site);
    email = `items-${randomUUID()}@hr.test`;
    const signup = await fetch(`${baseUrl}/api/v1/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization: 'Items test', email, password: PASSWORD }),
    });
    token = ((await signup.json()) as { token: string }).token;
    await api('/priorities', { title: 'Customer Focus', statedWeight: 4 });
    await api('/items', {
      key: 'custom-budget',
      statement: 'My team has the budget that {P} needs.',
    });
  }, 120_000);

  afterAll(() => site.close());

  test('HR chooses a custom item and predictions; the preview asks it and the pulse saves both', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/#/pulses/new`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Title').fill('Budget pulse');
    await page.getByRole('checkbox', { name: /Customer Focus/ }).check();
    const custom = page.getByRole('checkbox', { name: /custom-budget/ });
    expect(await custom.isChecked()).toBe(false);
    await custom.check();
    const predictions = page.getByRole('checkbox', {
      name: "Ask leaders to predict the frontline's staffing and feasibility answers",
    });
    expect(await predictions.isChecked()).toBe(false);
    await predictions.check();
    const preview = page.getByRole('region', { name: 'Preview of the employee page' });
    await expect.poll(() => preview.locator('fieldset.question').count(), WAIT).toBe(8);
    expect(await preview.locator('legend.question__text').last().textContent()).toBe(
      'My team has the budget that Customer Focus needs.',
    );
    await page.getByRole('button', { name: 'Save pulse' }).click();
    await page.waitForURL(/#\/pulses\/[0-9a-f-]{36}$/);
    const pulseId = page.url().split('/').at(-1) ?? '';
    const saved = await api<{ dimensions: string[]; predictions: boolean }>(`/pulses/${pulseId}`);
    expect(saved.dimensions.at(-1)).toBe('custom-budget');
    expect(saved.dimensions).toHaveLength(8);
    expect(saved.predictions).toBe(true);
    // The saved pulse opens with both chosen.
    await page.reload();
    await expect
      .poll(() => page.getByRole('checkbox', { name: /custom-budget/ }).isChecked(), WAIT)
      .toBe(true);
    expect(
      await page
        .getByRole('checkbox', {
          name: "Ask leaders to predict the frontline's staffing and feasibility answers",
        })
        .isChecked(),
    ).toBe(true);

    // A run of it, answered by six leaders and six frontline people, released: the
    // dashboard names the custom item's cells by its statement.
    await api('/people/import', {
      people: Array.from({ length: 12 }, (_, i) => ({
        email: `p${i}@items.test`,
        name: `Person ${i}`,
        team: 'Operations',
        tier: i < 6 ? 'leadership' : 'frontline',
      })),
    });
    const run = await api<{ id: string }>(`/pulses/${pulseId}/runs`, {});
    await site.jobs.drain();
    const outbox = await api<{ items: { to: string; link: string | null }[] }>('/dev/outbox');
    for (const { to, link } of outbox.items) {
      if (link === null) continue;
      const secret = new URL(link).pathname.split('/').at(-1) ?? '';
      const leader = Number(/^p(\d+)@/.exec(to)?.[1]) < 6;
      const invite = await api<{
        runId: string;
        keyId: string;
        publicKey: string;
        questions: { id: string; text: string }[];
      }>(`/invite/${secret}`);
      // Leaders are asked to predict the frontline; the frontline is not.
      expect(invite.questions.some((q) => q.text.startsWith('How do you expect'))).toBe(leader);
      const token = await requestToken(invite.publicKey, async (blinded) => {
        const signed = await api<{ blindSignature: string }>(`/invite/${secret}/token`, {
          blindedMessage: toBase64Url(blinded),
        });
        return Buffer.from(signed.blindSignature, 'base64url');
      });
      await api('/responses', {
        runId: invite.runId,
        token: {
          keyId: invite.keyId,
          message: toBase64Url(token.message),
          signature: toBase64Url(token.signature),
        },
        answers: invite.questions.map((q) => ({ questionId: q.id, value: leader ? 5 : 2 })),
      });
    }
    await api(`/runs/${run.id}/close`, {});
    await site.jobs.drain();
    await page.goto(`${baseUrl}/#/dashboard`);
    const label = 'My team has the budget that the priority needs.';
    // The gap chart's figures as a table (the second of the overview's tables).
    await page.getByText('The figures as a table').nth(1).click();
    await expect
      .poll(() => page.getByRole('cell', { name: label, exact: true }).count(), WAIT)
      .toBe(1);
    await page.close();
  });

  // After the first test: Operations has six leaders and six frontline people.
  test('the preview shows leaders’ predictions only as leadership, a decision’s items with their team, and the count the panel gives', async () => {
    const teams = await api<{ items: { id: string; name: string }[] }>('/teams');
    const operations = teams.items.find((t) => t.name === 'Operations')?.id;
    const priorities = await api<{ items: { id: string; title: string }[] }>('/priorities');
    await api('/decisions', {
      title: 'Answer every ticket within a day',
      priorityId: priorities.items.find((p) => p.title === 'Customer Focus')?.id,
      teamId: operations,
      tradeoff: 'the quarterly newsletter',
      reviewOn: '2027-02-01',
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/#/pulses/new`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Title').fill('Predicted pulse');
    await page.getByRole('checkbox', { name: /Customer Focus/ }).check();
    await page
      .getByRole('checkbox', {
        name: "Ask leaders to predict the frontline's staffing and feasibility answers",
      })
      .check();
    const preview = page.getByRole('region', { name: 'Preview of the employee page' });
    const legends = () => preview.locator('legend.question__text').allTextContents();
    const predicted = (texts: string[]) => texts.filter((t) => t.startsWith('How do you expect'));
    const decisionNote = 'Asked only of Operations and the teams under it:';

    // As the frontline: the bank's seven and the decision's two, no prediction.
    expect(await preview.getByRole('radio', { name: 'frontline' }).isChecked()).toBe(true);
    await expect.poll(() => preview.locator('fieldset.question').count(), WAIT).toBe(9);
    expect(predicted(await legends())).toEqual([]);
    const decisions = preview.locator('section.priority', {
      has: page.getByRole('heading', { name: 'Decisions' }),
    });
    expect(await decisions.locator('legend.question__text').allTextContents()).toEqual([
      'The decision "Answer every ticket within a day" is settled for my team.',
      'We have actually stopped or slowed "the quarterly newsletter".',
    ]);
    expect(await decisions.locator('.question__note').allTextContents()).toEqual([decisionNote]);

    // As leadership: the two predictions too, after the priority's items.
    await preview.getByRole('radio', { name: 'leadership' }).check();
    await expect.poll(() => preview.locator('fieldset.question').count(), WAIT).toBe(11);
    expect(predicted(await legends())).toEqual([
      'How do you expect the frontline to rate: "My team is staffed to deliver Customer Focus alongside our other commitments."?',
      'How do you expect the frontline to rate: "Customer Focus is achievable this quarter with the time, tools and budget we have."?',
    ]);
    expect(await decisions.locator('fieldset.question').count()).toBe(2);
    expect(await preview.locator('.employee-preview__count').textContent()).toContain(
      'At most 11 statements for leadership invitees',
    );

    // The panel counts the most-asked invitee: Operations' leaders, eleven; the minutes are
    // the eleven and the open question.
    await expect
      .poll(() => page.locator('.reportability').textContent(), WAIT)
      .toContain('At most 11 questions, about 2.5 minutes to answer');
    await page.screenshot({ path: '/tmp/pi-builder-leadership.png', fullPage: true });
    await page.close();
  });
});
