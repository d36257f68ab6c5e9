import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatRoute } from '../routes.js';
import { Failure, Loading, ViewHeader } from '../ui.js';

type RoomScreenComponent = ComponentType<{ sessionId: string }>;

// Loaded once, on first opening, like the dashboard: it draws with chart.js.
let loaded: Promise<RoomScreenComponent> | undefined;
function loadRoomScreen(): Promise<RoomScreenComponent> {
  loaded ??= import('../../room/facilitator.js').then((module) => module.RoomScreen);
  return loaded;
}

/** The live room's screen (`src/room`), as one of the app's views. */
export function RoomView({ sessionId }: { sessionId: string | null }) {
  const [component, setComponent] = useState<
    { RoomScreen: RoomScreenComponent } | { failed: unknown }
  >();
  useEffect(() => {
    if (sessionId === null) return undefined;
    let gone = false;
    loadRoomScreen().then(
      (RoomScreen) => {
        if (!gone) setComponent({ RoomScreen });
      },
      (error: unknown) => {
        loaded = undefined;
        if (!gone) setComponent({ failed: error });
      },
    );
    return () => {
      gone = true;
    };
  }, [sessionId]);
  if (sessionId === null) {
    return (
      <section class="notice" aria-labelledby="view-title">
        <ViewHeader title="Live room" />
        <p>
          A live session is opened from a released run’s brief, under{' '}
          <a href={formatRoute({ view: 'dashboard' })}>the dashboard’s Brief tab</a>.
        </p>
      </section>
    );
  }
  if (component === undefined) return <Loading what="Loading the live room…" />;
  if ('failed' in component) return <Failure error={component.failed} />;
  const { RoomScreen } = component;
  return <RoomScreen sessionId={sessionId} />;
}
