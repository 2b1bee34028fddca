/**
 * The options of a listener that runs once, in an object without a prototype: Node reads `signal`, `capture` and
 * `passive` from the options too, and an object literal would hand it whatever a polluted `Object.prototype` holds
 * under those names (a `signal` that is not an `AbortSignal` makes `addEventListener` throw).
 */
export const ONCE: { readonly once: true } = Object.freeze(Object.assign(Object.create(null) as { once: true }, { once: true as const }));
