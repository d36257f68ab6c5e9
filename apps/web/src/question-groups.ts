import { SCALE, type PriorityGroup } from './answer-view.js';

/** The name of the radio group of the question at `index` of the invitation. */
export function answerName(index: number): string {
  return `q${index}`;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * One statement as a radio group: a native fieldset whose legend is the statement, with the
 * five points of the scale as labelled radios (arrow keys move between them) and a button that
 * takes the answer back, since every question is optional.
 */
function renderQuestion(index: number, text: string): HTMLFieldSetElement {
  const fieldset = element('fieldset', 'question');
  const legend = element('legend', 'question__text', text);
  legend.id = `${answerName(index)}-text`;
  fieldset.append(legend);

  const scale = element('div', 'scale');
  for (const point of SCALE) {
    const option = element('label', 'scale__option');
    const input = element('input', 'scale__input');
    input.type = 'radio';
    input.name = answerName(index);
    input.value = String(point.value);
    const face = element('span', 'scale__face');
    face.append(
      element('span', 'scale__value', String(point.value)),
      ' ',
      element('span', 'scale__label', point.label),
    );
    option.append(input, face);
    scale.append(option);
  }

  const clear = element('button', 'question__clear button button--quiet', 'Clear answer');
  clear.type = 'button';
  clear.dataset.clears = answerName(index);
  clear.classList.add('question__clear--idle');
  clear.setAttribute('aria-describedby', legend.id);
  fieldset.append(scale, clear);
  return fieldset;
}

/** The questions under one heading per priority. Text is set as text, never parsed as HTML. */
export function renderQuestionGroups(container: HTMLElement, groups: PriorityGroup[]): void {
  container.replaceChildren(
    ...groups.map((group, position) => {
      const section = element('section', 'priority');
      const heading = element('h2', 'priority__title', group.title);
      heading.id = `priority-${position}`;
      section.setAttribute('aria-labelledby', heading.id);
      section.append(
        heading,
        ...group.questions.flatMap((q) => [
          ...(q.note === undefined ? [] : [element('p', 'question__note meta', q.note)]),
          renderQuestion(q.index, q.question.text),
        ]),
      );
      return section;
    }),
  );
}
