import { ContractError } from './http.js';

/*
 * Readers that check one field of an API answer at the boundary and name the field when it is
 * not what the page expects. Fields the pages do not read are ignored, so the API may add more.
 */

export type Json = Record<string, unknown>;

export function record(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ContractError(where);
  }
  return value as Json;
}

export function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new ContractError(where);
  return value;
}

export function optionalString(value: unknown, where: string): string | null {
  return value === null || value === undefined ? null : string(value, where);
}

/** An id: the API sends strings, but a numeric id is read as its decimal text. */
export function id(value: unknown, where: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return string(value, where);
}

export function optionalId(value: unknown, where: string): string | null {
  return value === null || value === undefined ? null : id(value, where);
}

export function number(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ContractError(where);
  return value;
}

export function optionalNumber(value: unknown, where: string): number | null {
  return value === null || value === undefined ? null : number(value, where);
}

export function boolean(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new ContractError(where);
  return value;
}

export function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ContractError(where);
  return value;
}

/** The `items` of a list answer (`{items: [...]}`). */
export function items(body: unknown, where: string): unknown[] {
  return array(record(body, where).items, `${where}.items`);
}
