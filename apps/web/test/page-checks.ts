import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/*
 * Checks a browser test makes of a page as people use it: laid out to fit the screen, usable
 * with the keyboard alone with the focus always in sight, and structured for screen readers.
 * Each runs in the page itself and reports in words, so a failure says what a person would meet.
 */

/**
 * What is wrong with the page's layout at its width, scrolled to the top: the page scrolls
 * sideways, an element sticks out of the screen or out of its own box (text cut off or running
 * into its neighbours), or two of the page's blocks overlap. Empty when nothing is.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    window.scrollTo(0, 0);
  });
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const problems: string[] = [];
    if (root.scrollWidth > width) {
      problems.push(`the page is ${root.scrollWidth} px wide on a ${width} px screen`);
    }
    const describe = (element: Element): string => {
      const text = element.textContent.trim().replace(/\s+/g, ' ').slice(0, 40);
      const id = element.id === '' ? '' : `#${element.id}`;
      return `<${element.tagName.toLowerCase()}${id} class="${element.getAttribute('class') ?? ''}"> "${text}"`;
    };
    // Content the page folds away (a closed <details>) keeps its boxes but is not rendered.
    const shown = (element: Element): DOMRect | null => {
      const rect = element.getBoundingClientRect();
      const visible = element.checkVisibility({ visibilityProperty: true });
      return rect.width > 0 && rect.height > 0 && visible ? rect : null;
    };
    for (const element of document.body.querySelectorAll('*')) {
      const rect = shown(element);
      if (rect === null) continue;
      if (rect.left < -0.5 || rect.right > width + 0.5) {
        problems.push(`${describe(element)} sticks out of the screen (${rect.left}–${rect.right})`);
      }
      // Text must fit the box that holds it (form controls scroll their own content).
      const holdsText = [...element.childNodes].some(
        (node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? '').trim() !== '',
      );
      if (!holdsText || element.matches('input, textarea, select')) continue;
      if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1) {
        problems.push(`${describe(element)} is wider than its box`);
      }
      if (element.clientHeight > 0 && element.scrollHeight > element.clientHeight + 1) {
        problems.push(`${describe(element)} is taller than its box`);
      }
    }
    const blocks = [
      ...document.querySelectorAll(
        'h1, h2, .meta, main p, .answer-progress, .question__text, .scale__option, .question__clear, textarea, .alert, #submit',
      ),
    ].flatMap((element) => {
      const rect = shown(element);
      return rect === null ? [] : [{ element, rect }];
    });
    blocks.forEach((a, i) => {
      for (const b of blocks.slice(i + 1)) {
        if (a.element.contains(b.element) || b.element.contains(a.element)) continue;
        const across = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
        const down = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
        if (across > 1 && down > 1) {
          problems.push(`${describe(a.element)} overlaps ${describe(b.element)}`);
        }
      }
    });
    return problems;
  });
}

/** Fails naming the step and every layout problem, or the page's width, when anything is off. */
export async function expectLayoutFits(page: Page, step: string, width: number): Promise<void> {
  expect(await layoutProblems(page), step).toEqual([]);
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth),
    `${step}: scroll width`,
  ).toBeLessThanOrEqual(width);
}

/**
 * Notes how every focusable element's focus indicator looks while unfocused (outline and box
 * shadow; for a radio, of the face drawn for it), so a focus stop can tell whether it changed.
 */
export async function noteUnfocusedLooks(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const element of document.querySelectorAll<HTMLElement>(
      'a[href], button, input, textarea',
    )) {
      const indicator = element.matches('.scale__input') ? element.nextElementSibling : element;
      if (indicator === null) continue;
      const style = getComputedStyle(indicator);
      element.dataset.unfocusedLook = `${style.outline} | ${style.boxShadow}`;
    }
  });
}

/** Where the keyboard focus is, and whether a sighted keyboard user can see it there. */
export interface FocusStop {
  element: string;
  /** The radio group's name (`q0`…) and value, for a radio. */
  name: string;
  value: string;
  checked: boolean;
  text: string;
  describedBy: string;
  /** Matches :focus-visible, and its outline or box shadow differs from its unfocused look. */
  ringShown: boolean;
  look: string;
  /** Under the sticky progress bar, or off the screen. */
  hidden: boolean;
}

export async function focusStop(page: Page): Promise<FocusStop> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!(element instanceof HTMLElement) || element === document.body) {
      return {
        element: 'body',
        name: '',
        value: '',
        checked: false,
        text: '',
        describedBy: '',
        ringShown: false,
        look: '',
        hidden: true,
      };
    }
    const indicator = element.matches('.scale__input')
      ? (element.nextElementSibling ?? element)
      : element;
    const style = getComputedStyle(indicator);
    const look = `${style.outline} | ${style.boxShadow}`;
    const outlined = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
    const ringShown =
      element.matches(':focus-visible') &&
      look !== element.dataset.unfocusedLook &&
      (outlined || style.boxShadow !== 'none');
    const rect = indicator.getBoundingClientRect();
    const bar = document.querySelector('.answer-progress')?.getBoundingClientRect();
    const underBar =
      bar !== undefined && element.closest('.answer-progress') === null
        ? rect.top < bar.bottom && rect.bottom > bar.top
        : false;
    const input = element instanceof HTMLInputElement ? element : null;
    return {
      element: `<${element.tagName.toLowerCase()}${element.id === '' ? '' : `#${element.id}`}>`,
      name: input?.name ?? '',
      value: input?.value ?? '',
      checked: input?.checked ?? false,
      text: element.textContent.trim(),
      describedBy: element.getAttribute('aria-describedby') ?? '',
      ringShown,
      look,
      hidden: underBar || rect.bottom <= 0 || rect.top >= window.innerHeight,
    };
  });
}

/**
 * Presses `key` until the focus lands where `wanted` says, checking at every stop on the way
 * that the focus can be seen.
 */
export async function moveFocus(
  page: Page,
  wanted: (stop: FocusStop) => boolean,
  key: 'Tab' | 'Shift+Tab' = 'Tab',
  most = 8,
): Promise<FocusStop> {
  for (let press = 0; press < most; press += 1) {
    await page.keyboard.press(key);
    const stop = await focusStop(page);
    expect(
      stop.ringShown,
      `no visible focus on ${stop.element} "${stop.text}" (${stop.look})`,
    ).toBe(true);
    expect(stop.hidden, `the focused ${stop.element} "${stop.text}" is out of sight`).toBe(false);
    if (wanted(stop)) return stop;
  }
  throw new Error(`${key} ${most} times did not reach the wanted element`);
}

/** Regions (name) and the groups (name) inside each, in page order, from an ARIA snapshot. */
export function regionsAndGroups(snapshot: string): { region: string; groups: string[] }[] {
  const regions: { region: string; groups: string[] }[] = [];
  for (const line of snapshot.split('\n')) {
    const region = /^\s*- region "(.*)":?$/.exec(line)?.[1];
    if (region !== undefined) regions.push({ region, groups: [] });
    const group = /^\s*- group "(.*)":?$/.exec(line)?.[1];
    if (group !== undefined) regions.at(-1)?.groups.push(group);
  }
  return regions;
}

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/**
 * What axe-core finds serious or critical on the page as it stands (WCAG 2.x A and AA rules),
 * one line per rule with the elements it names. Empty when nothing is.
 */
export async function seriousAccessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated by the browser's debugger, which the page's content security policy leaves be.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })) as {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: string[] }[];
      }[];
    };
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((node) => node.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} (${v.targets.slice(0, 5).join(', ')})`);
}
