/** One problem with one field of the input. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** One problem with one line of an imported file. */
export interface LineError {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

/**
 * An error the client caused or must know about, with a stable code. It becomes an
 * RFC 9457 problem document at the HTTP edge and nowhere else.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: readonly (FieldError | LineError)[],
    /** Further members of the problem document (RFC 9457 extensions), e.g. `closesAt`. */
    readonly extensions?: Readonly<Record<string, unknown>>,
  ) {
    super(detail);
  }
}

/** A run that takes no answers any more (the employee's routes). */
export function runClosed(): AppError {
  return new AppError(410, 'PG_ERR_RUN_CLOSED', 'Gone', 'This pulse has closed.');
}

export function notFound(what: string): AppError {
  return new AppError(404, 'PG_ERR_NOT_FOUND', 'Not Found', `${what} was not found`);
}

export function conflict(code: string, detail: string): AppError {
  return new AppError(409, code, 'Conflict', detail);
}

/**
 * A report of a run that has no release yet: results are released once, when the run
 * closes (PRODUCT.md §6.6). The problem says when.
 */
export function notReleased(run: { closesAt: Date; open: boolean }): AppError {
  return new AppError(
    409,
    'PG_ERR_NOT_RELEASED',
    'Results are not released yet',
    run.open
      ? `Results are released when the run closes, at ${run.closesAt.toISOString()}; until then only participation is shown.`
      : 'The run has closed; its results are being released and will be readable in a moment.',
    undefined,
    { closesAt: run.closesAt.toISOString() },
  );
}

export function invalid(detail: string, errors: readonly (FieldError | LineError)[]): AppError {
  return new AppError(400, 'PG_ERR_VALIDATION', 'Bad Request', detail, errors);
}

export function unauthorized(detail: string): AppError {
  return new AppError(401, 'PG_ERR_UNAUTHORIZED', 'Unauthorized', detail);
}

export function forbidden(detail: string): AppError {
  return new AppError(403, 'PG_ERR_FORBIDDEN', 'Forbidden', detail);
}

/** True when `error` is PostgreSQL's unique violation (optionally of one constraint). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    e.code === '23505' &&
    (constraint === undefined || e.constraint === constraint)
  );
}

/**
 * True when PostgreSQL refused text it cannot store: the NUL character (U+0000), which JSON
 * and CSV may carry but a `text` column may not.
 */
export function isUnstorableText(error: unknown): boolean {
  const e = error as { code?: unknown } | null;
  return e !== null && typeof e === 'object' && (e.code === '22021' || e.code === '22P05');
}
