import type { SectionProps } from './section.js';

/** The facilitation brief, printable and downloadable. */
export function BriefSection(_props: SectionProps) {
  return (
    <div class="section-body" data-ready="true">
      <p class="empty">The brief is on its way.</p>
    </div>
  );
}
