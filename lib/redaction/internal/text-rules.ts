import { DEFAULT_REDACT_VALUE_RULES, REDACTED, type RedactMatch, type RedactValueRule } from '../redaction-rules';

/**
 * Text that can hold no match of any default value rule does not contain one of these: `=`, `:`, `@`, `<` and
 * their URL encodings (URLs, `key=value`, XML), a space before a dash (a command-line flag), an authorization scheme, a JWT's `eyJ`, a well-known key prefix, a PEM header. One
 * test of it lets almost every string (a user id, a status, a node name) through at the cost of one scan.
 */
const DEFAULT_RULES_TRIGGER = /[=:@<]|%3[da]|\s-|bearer|basic|digest|token|eyJ|sk-|_live_|_test_|gh[pousr]_|github_pat_|glpat-|hf_|xox|AKIA|ASIA|AIza|ya29\.|SG\.|whsec_|-----BEGIN/i;

/** An ANSI escape sequence: CSI (`ESC[…m`), OSC (`ESC]…BEL`), or a two-character escape. */
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b(?:\[[0-?]{0,32}[ -/]{0,8}[@-~]|\][^\u0007\u001b]{0,256}(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

interface CompiledRule {
  readonly pattern: RegExp;
  readonly replacement: string | ((found: RedactMatch) => string);
}

/**
 * The value rules of a redactor, compiled once: each pattern with the `g` flag, applied in order to a text.
 * Total: a replacement function that throws replaces its match with `'[REDACTED]'`.
 */
export class TextRules {
  readonly #rules: readonly CompiledRule[];
  /** Whether every rule is a default one, so that {@link DEFAULT_RULES_TRIGGER} may skip a text. */
  readonly #defaultsOnly: boolean;
  readonly #isSecretKey: (key: string) => boolean;

  constructor(rules: readonly RedactValueRule[], isSecretKey: (key: string) => boolean) {
    this.#rules = rules.map((rule) => ({
      pattern: new RegExp(rule.pattern.source, rule.pattern.flags.includes('g') ? rule.pattern.flags : `${rule.pattern.flags}g`),
      replacement: rule.replacement ?? REDACTED,
    }));
    this.#defaultsOnly = rules.every((rule) => DEFAULT_REDACT_VALUE_RULES.includes(rule));
    this.#isSecretKey = isSecretKey;
  }

  get empty(): boolean {
    return this.#rules.length === 0;
  }

  /**
   * `text` with every match of every rule replaced. ANSI escape sequences (terminal colours) become a space first:
   * `ESC[0mBearer …` would hide the word boundary the rules start at, and a terminal sequence has no business
   * leaving the process in data anyway.
   */
  apply(given: string): string {
    if (this.#rules.length === 0 || given.length === 0) return given;
    const text = given.includes('\u001b') ? given.replace(ANSI_SEQUENCE, ' ') : given;
    if (this.#defaultsOnly && !DEFAULT_RULES_TRIGGER.test(text)) return text;
    let result = text;
    for (const rule of this.#rules) {
      rule.pattern.lastIndex = 0;
      if (!rule.pattern.test(result)) continue;
      rule.pattern.lastIndex = 0;
      const { replacement } = rule;
      result = typeof replacement === 'string' ? result.replace(rule.pattern, () => replacement) : result.replace(rule.pattern, (...args: unknown[]) => this.#replace(replacement, args));
    }
    return result;
  }

  #replace(replacement: (found: RedactMatch) => string, args: unknown[]): string {
    // String.prototype.replace passes (match, ...groups, offset, whole[, namedGroups]).
    const end = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== undefined ? args.length - 3 : args.length - 2;
    const found: RedactMatch = {
      text: args[0] as string,
      groups: args.slice(1, end) as (string | undefined)[],
      isSecretKey: this.#isSecretKey,
    };
    try {
      const replaced = replacement(found);
      return typeof replaced === 'string' ? replaced : REDACTED;
    } catch {
      return REDACTED;
    }
  }
}
