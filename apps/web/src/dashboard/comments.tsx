import type { SectionProps } from './section.js';

/** The released comments, by group. */
export function CommentsSection(_props: SectionProps) {
  return (
    <div class="section-body" data-ready="true">
      <p class="empty">Comments are on their way.</p>
    </div>
  );
}
