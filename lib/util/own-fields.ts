/**
 * An object's own enumerable fields in an object without a prototype: a field it lacks reads as `undefined`, even
 * when `Object.prototype` was polluted. For data parsed from JSON (which has own data properties only).
 *
 * @param value - a parsed JSON object.
 * @returns the copy (shallow).
 */
export function ownFields(value: object): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, value);
}
