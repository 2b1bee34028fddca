import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { readOptions } from '../util/validate';

/** What a redacted value, or the secret part of a text, is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * A key rule: a key is secret when its normalised form (lower case, without `-`, `_`, `.` and white space)
 * contains the string's normalised form, or when the RegExp matches the normalised key.
 *
 * @example
 * ```ts
 * const rules: RedactKeyRule[] = ['ssn', /^pin$/];
 * ```
 */
export type RedactKeyRule = string | RegExp;

/**
 * What a value rule sees of one match: the matched text, the RegExp's groups, and the key rules (for rules
 * that find `key=value` pairs in prose and must know whether the key is secret).
 *
 * @example
 * ```ts
 * const replace = (found: RedactMatch) => (found.isSecretKey(found.groups[0] ?? '') ? '[REDACTED]' : found.text);
 * ```
 */
export interface RedactMatch {
  /** The whole match. */
  readonly text: string;
  /** The capturing groups, in order (`undefined` for a group that did not take part). */
  readonly groups: readonly (string | undefined)[];
  /** Whether a key is secret under the redactor's key rules. */
  isSecretKey(key: string): boolean;
}

/**
 * A value rule: every match of `pattern` inside any string that leaves the process is replaced.
 *
 * @example
 * ```ts
 * const ssn: RedactValueRule = { name: 'ssn', pattern: /\b\d{3}-\d{2}-\d{4}\b/ };
 * ```
 */
export interface RedactValueRule {
  /** A name, to pick rules out of {@link DEFAULT_REDACT_VALUE_RULES}. */
  readonly name: string;
  /**
   * What to find. Every match is replaced (the rule is applied as if it had the `g` flag). Write it so that it
   * cannot backtrack badly: it runs on text that users (and attackers) control.
   */
  readonly pattern: RegExp;
  /** What replaces a match: a string (default `'[REDACTED]'`), or a function of the match. */
  readonly replacement?: string | ((found: RedactMatch) => string);
}

/**
 * How secrets are found in what leaves the process (see {@link Redactor}).
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({
 *   redact: { keys: [...DEFAULT_REDACT_KEYS, 'ssn'], values: DEFAULT_REDACT_VALUE_RULES.filter((rule) => rule.name !== 'jwt') },
 * });
 * ```
 */
export interface RedactionRules {
  /** The key rules. Default {@link DEFAULT_REDACT_KEYS}; `[]` for none. */
  readonly keys?: readonly RedactKeyRule[];
  /** The value rules. Default {@link DEFAULT_REDACT_VALUE_RULES}; `[]` for none. */
  readonly values?: readonly RedactValueRule[];
}

/**
 * The `redact` option of the library's classes: rules, or a list of key rules alone (which replaces the default
 * keys and keeps the default value rules), or `false` for no redaction at all.
 *
 * @example
 * ```ts
 * new BackgroundTaskManager({ redact: [...DEFAULT_REDACT_KEYS, 'ssn'] });
 * new BackgroundTaskManager({ redact: false }); // nothing is redacted
 * ```
 */
export type RedactOption = RedactionRules | readonly RedactKeyRule[] | false;

/**
 * The default key rules, after Sentry's default scrubbing (key names that contain `password`, `secret`, `token`,
 * `auth`, `api_key`, `private_key`, `cookie`, `session`, `credential`) and OpenTelemetry's sensitive query
 * parameters (`AWSAccessKeyId`, `Signature`, `sig`, `X-Goog-Signature`). Strings match when the normalised
 * key contains them: `apikey` matches `apiKey`, `x-api-key`, `API_KEY`. The RegExps:
 *
 * - `token`, but not a count of tokens, their type or budget (`maxTokens`, `prompt_tokens_details`,
 *   `tokensPerMinute`, `tokenCount`, `tokenType`, `tokenizer`), which agent code reports all the time (`tokenStr`
 *   and `tokenSet` are secret); tokens of a kind are secret all the same (`accessTokens`, `refreshTokens`,
 *   `idTokens`, `apiTokens`, `csrfTokens`);
 * - `auth` at the end of a key (`auth`, `basicAuth`, `proxyAuth`, `X-Auth`: not `author`), and `authkey`,
 *   `authheader`, `authcode`, `authentication`;
 * - `sig` as a whole key only (`signal` is not a secret); `pass` and `pw` at the end of a key (`DB_PASS`,
 *   `db.pw`; not `bypass`, `compass`);
 * - keys that name a key: `appkey`, `accountkey` (Azure), `hmackey`, `privkey`, `signingkey`,
 *   `encryptionkey`, `masterkey`, `subscriptionkey`, `functionskey`.
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({ redact: [...DEFAULT_REDACT_KEYS, 'ssn'] });
 * ```
 */
export const DEFAULT_REDACT_KEYS: readonly RedactKeyRule[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'passcode',
  /(?<!by|com|sur)pass$/,
  /pw$/,
  'secret',
  /token(?!s$|s?(?:count|usage|limit|used|details|per|budget|total)|izer|type|budget)/,
  /(?:access|refresh|id|api|csrf|xsrf|auth|bearer|session)tokens/,
  'apikey',
  'appkey',
  'accesskey',
  'accountkey',
  'hmackey',
  'authorization',
  'authorisation',
  'authentication',
  /auth(?:key|header|code)?$/,
  'authkey',
  'cookie',
  'session',
  'credential',
  'privatekey',
  /(?:priv|signing|encryption|master|subscription|functions)key/,
  'signature',
  /^(?:x)?sig$/,
  'jwt',
  'bearer',
  'connectionstring',
]);

/** Characters a token is made of (base64, base64url, hex, JWT), for the rules below. */
const TOKEN = String.raw`[A-Za-z0-9\-._~+/]`;

/**
 * Whether a word is a credential rather than prose: it has a digit, a symbol of base64 or base64url, upper case
 * inside it, or 20 letters and more ("Basic Authentication" and "Weekly Digest Newsletter" are prose,
 * "Basic dXNlcjpwYXNz" is not).
 */
function looksLikeToken(token: string): boolean {
  return /\d|[+/=_.~-]/.test(token) || /[a-z][A-Z]|[A-Z]{2}/.test(token) || token.length >= 20;
}

/**
 * A key and its separator as a key-value scan finds them: not preceded by a key character; a quoted key (or a
 * JSON-escaped one, `\\"key\\"`) may hold any character but quotes and line breaks, a bare one is a name. A value
 * may start on the next line (`password=` at a line's end, the secret below it).
 */
const KEY_THEN_SEPARATOR = /(?<![\w.$[\]%])(?:(\\?["'])([^"'\n\\]{1,64})\1|([A-Za-z_$][\w.$[\]%-]{0,63}))[ \t]{0,16}(?:=>|[=:]|%3[DdAa])[ \t]{0,16}(?:\r?\n[ \t]{0,16})?/g;

/** Keys whose value is a whole header line (every cookie of it, a scheme and its token). */
const LINE_VALUED_KEY = /cookie|authori[sz]ation/;

/** An authorization scheme before a credential: taken with it as the value. */
const SCHEME_PREFIX = /^(?:Bearer|Basic|Digest|Token|Negotiate|NTLM)[ \t]+/i;

/**
 * Where the value that starts at `start` ends: a quoted value at its closing quote (escapes skipped, JSON-escaped
 * quotes too), a header line's value at the end of the line, any other value at the first delimiter (white
 * space, `,` `;` `&` a quote or a closing bracket), an authorization scheme taken with its credential.
 */
function endOfValue(text: string, start: number, wholeLine: boolean): number {
  const first = text[start];
  if (first === '"' || first === "'") return endOfQuoted(text, start + 1, first, false);
  if (first === '\\' && (text[start + 1] === '"' || text[start + 1] === "'")) return endOfQuoted(text, start + 2, text[start + 1] as string, true);
  if (first === '[' || first === '{') return endOfBracketed(text, start);
  if (wholeLine) {
    const newline = text.slice(start).search(/[\r\n]/);
    return newline === -1 ? text.length : start + newline;
  }
  let index = start;
  const scheme = SCHEME_PREFIX.exec(text.slice(start, start + 24));
  if (scheme !== null) index += scheme[0].length;
  while (index < text.length && !/[\s,;&"'<>)\]}]/.test(text[index] as string)) index++;
  return index;
}

/** The end of a JSON array or object that starts at `start` (strings inside skipped), or of the text. */
function endOfBracketed(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const ch = text[index];
    if (ch === '"') index = endOfQuoted(text, index + 1, '"', false) - 1;
    else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && --depth === 0) return index + 1;
  }
  return text.length;
}

function endOfQuoted(text: string, from: number, quote: string, escapedQuote: boolean): number {
  for (let index = from; index < text.length; index++) {
    const ch = text[index];
    if (ch === '\n') return index;
    if (escapedQuote) {
      if (ch === '\\' && text[index + 1] === quote) return index + 2;
    } else if (ch === '\\') {
      index++;
    } else if (ch === quote) {
      return index + 1;
    }
  }
  return text.length;
}

/**
 * Every `key=value` and `key: value` in `text` whose key is secret, with the value replaced (its quotes kept).
 * A key that is not secret takes only itself and its separator, so whatever follows is still searched: in
 * `url=https://h/?token=abc`, `Error: password: hunter2` or `{"note":"token=abc"}`, the secret pair inside is
 * found. Linear in the text: each key starts where no key character precedes it, and each value is scanned once.
 */
function redactKeyValues(text: string, isSecretKey: (key: string) => boolean): string {
  const keys = new RegExp(KEY_THEN_SEPARATOR.source, 'g');
  let result = '';
  let copied = 0;
  for (let found = keys.exec(text); found !== null; found = keys.exec(text)) {
    const key = (found[2] ?? found[3]) as string;
    if (!isSecretKey(key)) continue;
    const start = keys.lastIndex;
    const end = endOfValue(text, start, LINE_VALUED_KEY.test(normaliseKey(key)));
    if (end <= start) continue;
    const value = text.slice(start, end);
    const quote = /^\\?["']/.exec(value)?.[0] ?? '';
    const closing = quote !== '' && value.length > quote.length && value.endsWith(quote) ? quote : '';
    result += `${text.slice(copied, start)}${quote}${REDACTED}${closing}`;
    copied = end;
    keys.lastIndex = end;
  }
  return copied === 0 ? text : result + text.slice(copied);
}

/**
 * The default value rules, applied inside every string that leaves the process:
 *
 * - `url-credentials`: `scheme://user:password@host` becomes `scheme://REDACTED:REDACTED@host`
 *   (OpenTelemetry's rule for `url.full`), and so does a token as the user (`https://ghp_x1y2z3@github.com`);
 *   a plain user name alone stays (`ssh://git@github.com`);
 * - `key-value`: `key=value` and `key: value` (a query string, a form, a header line, a log message, JSON text,
 *   JSON inside a JSON string) where the key is secret under the key rules: the value becomes `[REDACTED]`;
 *   a `Cookie` or `Authorization` value to the end of its line;
 * - `command-line-flag`: `--password hunter2`, `-token abc` (a flag named by a secret key, and its value);
 * - `xml-element`: `<password>hunter2</password>` (an element named by a secret key);
 * - `authorization-scheme`: `Bearer <token>`, `Basic <token>`, `Digest <token>`, `Token <token>`, when the
 *   token looks like one (a digit, a symbol or inner upper case: "Basic Authentication" is prose);
 * - `jwt`: a JSON Web Token (`eyJ….….…`);
 * - `well-known-keys`: keys whose prefix says what they are (OpenAI and Anthropic `sk-…`, GitHub `ghp_…` and
 *   `github_pat_…`, GitLab `glpat-…`, Hugging Face `hf_…`, Slack `xox?-…`, AWS `AKIA…` and `ASIA…`, Google
 *   OAuth `ya29.…`, SendGrid `SG.….…`, webhook secrets `whsec_…`, Stripe `sk_live_…`,
 *   Google `AIza…`);
 * - `private-key`: a PEM or PGP private key block.
 *
 * @example
 * ```ts
 * const withoutJwt = DEFAULT_REDACT_VALUE_RULES.filter((rule) => rule.name !== 'jwt');
 * ```
 */
export const DEFAULT_REDACT_VALUE_RULES: readonly RedactValueRule[] = Object.freeze([
  {
    name: 'url-credentials',
    pattern: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/?"'<>:@]{0,256}:(?!\d{1,5}(?:[/?#]|$))[^\s"'<>]{1,256}|[^\s/?#"'<>]{1,512})@/gi,
    replacement: (found: RedactMatch) => {
      const [scheme = '', userinfo = ''] = found.groups;
      const secret = userinfo.includes(':') || (userinfo.length >= 8 && looksLikeToken(userinfo));
      return secret ? `${scheme}REDACTED:REDACTED@` : found.text;
    },
  },
  {
    name: 'key-value',
    // The whole text: the scan below finds the pairs (a regular expression alone would take a pair whose key is
    // not secret together with its value, and miss a secret pair inside that value).
    pattern: /[\s\S]+/,
    replacement: (found: RedactMatch) => redactKeyValues(found.text, found.isSecretKey),
  },
  {
    name: 'command-line-flag',
    // `--password hunter2`, `-token abc`: a flag whose name is a secret key, and the word after it.
    pattern: /(?<![\w-])(--?)([A-Za-z][\w.-]{0,63})([ \t]+)(?!-)(\S{1,4096})/g,
    replacement: (found: RedactMatch) => {
      const [dashes = '', flag = '', space = ' '] = found.groups;
      return found.isSecretKey(flag) ? `${dashes}${flag}${space}${REDACTED}` : found.text;
    },
  },
  {
    name: 'xml-element',
    // `<password>hunter2</password>`, `<ApiKey type="x">k</ApiKey>`: an element named by a secret key.
    pattern: /<([A-Za-z_][\w.:-]{0,63})(\s[^<>]{0,1024})?>([^<]{1,4096})<\/\1>/g,
    replacement: (found: RedactMatch) => {
      const [tag = '', attributes = ''] = found.groups;
      return found.isSecretKey(tag.replace(/^.*:/, '')) ? `<${tag}${attributes}>${REDACTED}</${tag}>` : found.text;
    },
  },
  {
    name: 'authorization-scheme',
    pattern: new RegExp(String.raw`\b(Bearer|Basic|Digest|Token)([ \t]+)(${TOKEN}{8,4096}=*)`, 'gi'),
    replacement: (found: RedactMatch) => {
      const [scheme = '', space = ' ', token = ''] = found.groups;
      return looksLikeToken(token) ? `${scheme}${space}${REDACTED}` : found.text;
    },
  },
    // Each segment is taken whole by a lookahead and a back-reference (no backtracking into it), so that a run of
  // `eyJ-eyJ-…` costs one scan per segment, not a quadratic search.
  { name: 'jwt', pattern: /\beyJ(?=([\w-]{5,256}))\1\.(?=([\w-]{5,4096}))\2\.[\w-]{0,4096}/g },
  {
    name: 'well-known-keys',
    pattern:
      /\b(?:sk-(?:proj-|ant-(?:api\d\d-)?)?(?=[A-Za-z0-9_-]{0,63}\d)[A-Za-z0-9_-]{16,512}|gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|glpat-[A-Za-z0-9_-]{20,255}|hf_[A-Za-z0-9]{30,255}|xox[abposr]-[A-Za-z0-9-]{10,255}|(?:AKIA|ASIA)[0-9A-Z]{16}|ya29\.[\w-]{20,1024}|SG\.[\w-]{16,64}\.[\w-]{16,128}|whsec_[A-Za-z0-9+/=]{20,255}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,255}|AIza[0-9A-Za-z_-]{35})/g,
  },
  {
    name: 'private-key',
    pattern: /-----BEGIN [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
  },
] satisfies RedactValueRule[]);

/** The rules of a {@link RedactOption}, checked, with the defaults filled in; `undefined` for `false`. */
export interface ResolvedRedactionRules {
  readonly keys: readonly RedactKeyRule[];
  readonly values: readonly RedactValueRule[];
}

/**
 * Checks a `redact` option and fills in its defaults.
 *
 * @param argument - the option's name, for error messages.
 * @param given - the option (`undefined` for the defaults).
 * @returns the rules, or `undefined` for `false` (no redaction).
 * @throws {@link InvalidArgumentError} naming the option, or the rule, that is not acceptable.
 */
export function resolveRedactionRules(argument: string, given: RedactOption | undefined): ResolvedRedactionRules | undefined {
  if (given === undefined) return { keys: DEFAULT_REDACT_KEYS, values: DEFAULT_REDACT_VALUE_RULES };
  if (given === false) return undefined;
  if (Array.isArray(given)) return { keys: checkKeyRules(argument, given), values: DEFAULT_REDACT_VALUE_RULES };
  if (typeof given !== 'object' || given === null || (Object.getPrototypeOf(given) !== Object.prototype && Object.getPrototypeOf(given) !== null)) {
    throw new InvalidArgumentError(argument, 'an array of key rules, { keys, values }, or false', given);
  }
  const rules = readOptions(argument, given as RedactionRules, ['keys', 'values']);
  return {
    keys: rules.keys === undefined ? DEFAULT_REDACT_KEYS : checkKeyRules(`${argument}.keys`, rules.keys),
    values: rules.values === undefined ? DEFAULT_REDACT_VALUE_RULES : checkValueRules(`${argument}.values`, rules.values),
  };
}

function checkKeyRules(argument: string, rules: unknown): readonly RedactKeyRule[] {
  if (!Array.isArray(rules)) throw new InvalidArgumentError(argument, 'an array of strings and RegExps', rules);
  rules.forEach((rule: unknown, index) => {
    if (rule instanceof RegExp) return;
    if (typeof rule !== 'string' || normaliseKey(rule) === '') {
      throw new InvalidArgumentError(`${argument}[${index}]`, 'a non-empty string or a RegExp', rule);
    }
  });
  return Object.freeze([...(rules as RedactKeyRule[])]);
}

function checkValueRules(argument: string, rules: unknown): readonly RedactValueRule[] {
  if (!Array.isArray(rules)) throw new InvalidArgumentError(argument, 'an array of { name, pattern, replacement? }', rules);
  rules.forEach((rule: unknown, index) => {
    const at = `${argument}[${index}]`;
    if (typeof rule !== 'object' || rule === null) throw new InvalidArgumentError(at, 'a value rule { name, pattern, replacement? }', rule);
    const { name, pattern, replacement } = readOptions(at, rule as RedactValueRule, ['name', 'pattern', 'replacement']);
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError(`${at}.name`, 'a non-empty string', name);
    if (!(pattern instanceof RegExp)) throw new InvalidArgumentError(`${at}.pattern`, 'a RegExp', pattern);
    if (new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test('')) {
      throw new InvalidArgumentError(`${at}.pattern`, 'a RegExp that does not match empty text', pattern);
    }
    if (replacement !== undefined && typeof replacement !== 'string' && typeof replacement !== 'function') {
      throw new InvalidArgumentError(`${at}.replacement`, 'a string or a function', replacement);
    }
  });
  return Object.freeze([...(rules as RedactValueRule[])]);
}

/** A key as the key rules see it: lower case, without `-`, `_`, `.` and white space. */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}
