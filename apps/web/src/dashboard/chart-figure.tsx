import type { Chart } from 'chart.js';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

/**
 * A chart with what makes it readable by everyone: a title that states its finding, a line on
 * how to read it, the canvas (an image whose name is the title), and the same figures as a
 * table. `draw` is called with the canvas once it is laid out, and again when `view` changes.
 */
export function ChartFigure<V>({
  id,
  title,
  howToRead,
  height,
  view,
  draw,
  table,
}: {
  id: string;
  title: string;
  howToRead: string;
  height: number;
  view: V;
  draw: (canvas: HTMLCanvasElement, view: V) => Chart;
  table: ComponentChildren;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const element = canvas.current;
    if (element === null) return undefined;
    const chart = draw(element, view);
    // What was drawn, for the tests to count: marks with a place on the canvas.
    element.dataset.elements = String(
      chart.data.datasets.reduce(
        (count, _dataset, index) =>
          count +
          chart
            .getDatasetMeta(index)
            .data.filter((mark) => Number.isFinite(mark.x) && Number.isFinite(mark.y)).length,
        0,
      ),
    );
    element.dataset.rendered = 'true';
    return () => {
      element.removeAttribute('data-rendered');
      chart.destroy();
    };
  }, [view, draw]);
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} class="chart__title">
        {title}
      </h3>
      <p class="chart__how">{howToRead}</p>
      <div class="chart__frame" style={{ height: `${height}px` }}>
        <canvas
          id={id}
          ref={canvas}
          role="img"
          aria-label={`${title} The table below has the figures.`}
        >
          {title}
        </canvas>
      </div>
      <details class="chart__table">
        <summary>The figures as a table</summary>
        <div class="table-scroll" role="region" aria-label={`${title} (table)`} tabIndex={0}>
          {table}
        </div>
      </details>
    </figure>
  );
}
