import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { SessionEndedError } from '../api.js';
import { ContractError, describeFailure } from '../http.js';

/** A load in progress, its value or why it failed. */
export type Loaded<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; error: unknown };

/**
 * Loads `load` when the component mounts and whenever `keys` change, aborting the previous
 * load. `reload` loads again (after a change) without showing the loading state.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  keys: readonly unknown[],
): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const shownKeys = useRef<string | null>(null);
  const keyText = JSON.stringify(keys);
  useEffect(() => {
    const controller = new AbortController();
    // New keys show the loading state; a reload keeps the old value until the new one comes.
    if (shownKeys.current !== keyText) setLoaded({ state: 'loading' });
    shownKeys.current = keyText;
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setLoaded({ state: 'ready', value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isQuietFailure(error)) {
          setLoaded({ state: 'failed', error });
        }
      },
    );
    return () => {
      controller.abort();
    };
  }, [keyText, generation]);
  return [
    loaded,
    () => {
      setGeneration((g) => g + 1);
    },
  ];
}

/** A failure nobody needs to read: the session ended (sign-in follows) or a load was replaced. */
export function isQuietFailure(error: unknown): boolean {
  return (
    error instanceof SessionEndedError ||
    (error instanceof DOMException && error.name === 'AbortError')
  );
}

/** Why something failed, in the API's words, as an alert; nothing for a quiet failure. */
export function Failure({ error }: { error: unknown }) {
  if (error === null || error === undefined || isQuietFailure(error)) return null;
  if (error instanceof ContractError) console.error(error);
  return (
    <div class="alert" role="alert">
      {describeFailure(error)}
    </div>
  );
}

/** What is happening while a view waits for the API. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="status" role="status">
      {what}
    </p>
  );
}

/** Shows a load's value, its loading text or its failure. */
export function Show<T>({
  loaded,
  loading,
  children,
}: {
  loaded: Loaded<T>;
  loading: string;
  children: (value: T) => ComponentChildren;
}) {
  switch (loaded.state) {
    case 'loading':
      return <Loading what={loading} />;
    case 'failed':
      return <Failure error={loaded.error} />;
    case 'ready':
      return <>{children(loaded.value)}</>;
  }
}

/** The error of one field, tied to its control by `id` (`aria-describedby`). */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined || message === '') return null;
  return (
    <p id={id} class="field__error">
      {message}
    </p>
  );
}

/** A view's heading and introduction; the heading takes the focus when the view opens. */
export function ViewHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <>
      <h1 id="view-title" tabIndex={-1}>
        {title}
      </h1>
      {children === undefined ? null : <p class="lede">{children}</p>}
    </>
  );
}

/** A moment as people read it, in a `<time>` that keeps the exact value; in `timeZone` if given. */
export function When({ iso, timeZone }: { iso: string; timeZone?: string }) {
  const date = new Date(iso);
  let text = iso;
  if (!Number.isNaN(date.getTime())) {
    try {
      text = new Intl.DateTimeFormat(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
        ...(timeZone === undefined ? {} : { timeZone }),
      }).format(date);
    } catch {
      // A zone the browser does not know: the reader's own zone must do.
      text = date.toLocaleString();
    }
  }
  return <time dateTime={iso}>{text}</time>;
}

/** A text field of a submitted form; empty when it is missing. */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}
