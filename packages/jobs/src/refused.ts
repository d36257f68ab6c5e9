/**
 * Why the service would not do what was asked (start a run, send a reminder), as the API
 * answers it: 404 for what is not there, 409 for what the state of things forbids. The
 * API turns it into a problem document with its code, detail and extension members.
 */
export class Refused extends Error {
  constructor(
    readonly status: 404 | 409,
    readonly code: string,
    detail: string,
    readonly extensions?: Readonly<Record<string, unknown>>,
  ) {
    super(detail);
  }
}
