import Type, { type TSchema } from 'typebox';

/** Shared request and response schemas; each also types the value and feeds the OpenAPI document. */
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const Created = Type.Object({ id: Uuid });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Tier = Type.Union([Type.Literal('leadership'), Type.Literal('frontline')]);

/** A value that may be null. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/**
 * Two numbers, such as a confidence interval's bounds: an array of exactly two, written
 * without the tuple form (`items` as a list), which OpenAPI 3.0 does not have.
 */
export const NumberPair = Type.Unsafe<[number, number]>(
  Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
);

/** `{items: [...]}`, the shape of every list. */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item) });
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    /** When a run's results will be released (a report of an open run). */
    closesAt: Type.Optional(Type.String({ format: 'date-time' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.Optional(Type.String()),
          line: Type.Optional(Type.Integer()),
          field: Type.Optional(Type.String()),
          message: Type.String(),
        }),
      ),
    ),
  },
  // Problem types may add members of their own (RFC 9457 §3.2).
  { additionalProperties: true },
);

/** The error answers a route may give, for the OpenAPI document. */
export function problems(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
}

/** A moment in a response: a `Date` in the handler, an ISO 8601 string on the wire. */
export const Timestamp = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });

/** Binary data as unpadded base64url (RFC 4648 §5), at most `maxLength` characters. */
export function Base64Url(maxLength: number) {
  return Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });
}
