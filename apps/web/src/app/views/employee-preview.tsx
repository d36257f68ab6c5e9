import { OPEN_QUESTION } from '@pulsegap/domain';
import { useEffect, useRef } from 'preact/hooks';
import type { PriorityGroup } from '../../answer-view.js';
import { renderQuestionGroups } from '../../question-groups.js';

/**
 * The questions as an employee would meet them on the answer page, drawn by the answer page's
 * own code (`question-groups.ts`) and disabled: a preview, not a form.
 */
export function EmployeePreview({
  title,
  groups,
  openQuestion,
}: {
  title: string;
  groups: PriorityGroup[];
  openQuestion: boolean;
}) {
  const questions = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (questions.current !== null) renderQuestionGroups(questions.current, groups);
  }, [groups]);
  const count = groups.reduce((sum, group) => sum + group.questions.length, 0);
  return (
    <section class="employee-preview" aria-labelledby="employee-preview-title">
      <h2 id="employee-preview-title">Preview of the employee page</h2>
      {count === 0 ? (
        <p class="empty">Choose priorities and dimensions to see the questions.</p>
      ) : (
        <div class="employee-preview__frame">
          <p class="employee-preview__title">{title.trim() === '' ? 'Untitled pulse' : title}</p>
          <p class="meta">
            {count} {count === 1 ? 'statement' : 'statements'}, each answered from 1 (strongly
            disagree) to 5 (strongly agree); every one may be left out.
          </p>
          <fieldset
            disabled
            class="employee-preview__form"
            aria-label="The questions, disabled in this preview"
          >
            <div ref={questions} />
            {openQuestion ? (
              <div class="open-question">
                <label for="preview-comment">{OPEN_QUESTION} (optional)</label>
                <textarea id="preview-comment" rows={3} />
              </div>
            ) : null}
          </fieldset>
        </div>
      )}
    </section>
  );
}
