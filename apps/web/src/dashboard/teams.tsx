import type { SectionProps } from './section.js';

/** Teams × priorities for one dimension. */
export function TeamsSection(_props: SectionProps) {
  return (
    <div class="section-body" data-ready="true">
      <p class="empty">The team heatmap is on its way.</p>
    </div>
  );
}
