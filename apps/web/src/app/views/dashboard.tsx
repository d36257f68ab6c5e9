import { useEffect, useRef, useState } from 'preact/hooks';
import { Failure, Loading } from '../ui.js';

/**
 * The executive alignment-gap dashboard (vanilla TypeScript and chart.js, `dashboard.ts`)
 * mounted as a view of the app. It and chart.js are loaded only when this view opens, so the
 * rest of the app never downloads them.
 */
export function DashboardView({ token }: { token: string }) {
  const root = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ failed: unknown } | 'loading' | 'ready'>('loading');
  useEffect(() => {
    let unmount: (() => void) | undefined;
    let gone = false;
    import('../../dashboard.js').then(
      ({ mountDashboard }) => {
        if (gone || root.current === null) return;
        unmount = mountDashboard(root.current, token);
        setState('ready');
      },
      (error: unknown) => {
        if (!gone) setState({ failed: error });
      },
    );
    return () => {
      gone = true;
      unmount?.();
    };
  }, [token]);
  return (
    <>
      {state === 'loading' ? <Loading what="Loading the dashboard…" /> : null}
      {typeof state === 'object' ? <Failure error={state.failed} /> : null}
      <div ref={root} class="dashboard" />
    </>
  );
}
