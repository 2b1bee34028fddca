import { normaliseKey, type RedactKeyRule } from '../redaction-rules';

/** How many keys a matcher remembers its answer for; past it, it starts over (keys from hostile input are unbounded). */
const MAX_CACHED_KEYS = 4_096;

/**
 * Whether a key is secret under a list of key rules (see `RedactKeyRule`). The answer for each key is kept:
 * contexts repeat the same few keys (`userId`, `threadId`), so the rules run once per key, not once per event.
 */
export class KeyMatcher {
  readonly #contains: readonly string[];
  readonly #patterns: readonly RegExp[];
  readonly #answers = new Map<string, boolean>();

  constructor(rules: readonly RedactKeyRule[]) {
    this.#contains = rules.filter((rule): rule is string => typeof rule === 'string').map(normaliseKey);
    // Without the `g` and `y` flags, test() keeps no state between keys.
    this.#patterns = rules.filter((rule): rule is RegExp => rule instanceof RegExp).map((rule) => new RegExp(rule.source, rule.flags.replace(/[gy]/g, '')));
  }

  /** Whether there is any rule at all. */
  get empty(): boolean {
    return this.#contains.length === 0 && this.#patterns.length === 0;
  }

  isSecret(key: string): boolean {
    const known = this.#answers.get(key);
    if (known !== undefined) return known;
    const normalised = normaliseKey(key);
    let secret = false;
    for (const part of this.#contains) {
      if (normalised.includes(part)) {
        secret = true;
        break;
      }
    }
    if (!secret) {
      for (const pattern of this.#patterns) {
        if (pattern.test(normalised)) {
          secret = true;
          break;
        }
      }
    }
    if (this.#answers.size >= MAX_CACHED_KEYS) this.#answers.clear();
    this.#answers.set(key, secret);
    return secret;
  }
}
