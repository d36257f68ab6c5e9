import type { SectionProps } from './section.js';

/** Gaps and clarity across the pulse's released runs. */
export function TrendsSection(_props: SectionProps) {
  return (
    <div class="section-body" data-ready="true">
      <p class="empty">Trends are on their way.</p>
    </div>
  );
}
