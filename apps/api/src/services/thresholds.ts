import type { ThresholdProblem } from '@pulsegap/domain';
import { invalid, type AppError, type FieldError } from '../errors.js';

/** The domain's threshold problems as field errors of the request body. */
export function thresholdFieldErrors(problems: readonly ThresholdProblem[]): FieldError[] {
  return problems.map((p) => ({ path: `body/${p.field}`, message: p.message }));
}

/** A 400 naming every field error, as the routes that take thresholds answer it. */
export function invalidFields(what: string, errors: readonly FieldError[]): AppError {
  return invalid(
    `${what} is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}
