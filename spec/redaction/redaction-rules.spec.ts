import { expect } from 'chai';
import {
  DEFAULT_REDACT_KEYS,
  DEFAULT_REDACT_VALUE_RULES,
  InvalidArgumentError,
  REDACTED,
  Redactor,
  type RedactValueRule,
} from '../../lib';
import { thrownBy } from '../support/helpers';

/*
 * The default rules, one input per kind the issue named (key names in every spelling, credentials inside values,
 * shapes, errors, limits), the user's own rules, and the checks of the `redact` option. What reaches each channel
 * is in channels.spec.ts.
 */
describe('redaction rules', () => {
  const redactor = new Redactor();

  describe('key rules (DEFAULT_REDACT_KEYS)', () => {
    const secretKeys = [
      'password', 'Password', 'PASSWORD', 'passwd', 'db_password', 'pwd', 'passphrase',
      'secret', 'client_secret', 'clientSecret', 'webhook-secret',
      'token', 'accessToken', 'access_token', 'refresh_token', 'id-token', 'csrfToken', 'x-auth-token',
      'apiKey', 'api_key', 'API-KEY', 'X-Api-Key', 'x_api_key',
      'accessKey', 'aws_access_key_id', 'secretAccessKey',
      'authorization', 'Authorization', 'proxy-authorization', 'authorisation', 'auth', 'X-Auth',
      'cookie', 'Set-Cookie', 'session', 'sessionId', 'session_id', 'SESSION.KEY',
      'credential', 'credentials', 'googleCredentials',
      'private_key', 'privateKey', 'PRIVATE KEY',
      'signature', 'X-Goog-Signature', 'sig',
      'jwt', 'bearer', 'connectionString', 'connection_string',
      'accessTokens', 'refreshTokens', 'idTokens', 'apiTokens', 'csrfTokens', 'pass',
      'X-Auth-Key', 'authHeader', 'basicAuth', 'proxyAuth', 'auth_key', 'Authentication', 'oauth',
      'Ocp-Apim-Subscription-Key', 'x-functions-key', 'privKey', 'signingKey', 'encryptionKey', 'masterKey',
      'tokenStr', 'token_string', 'tokenSet', 'appKey', 'hmac_key', 'passcode', 'DB_PASS', 'db-pass', 'db.pw', 'AccountKey',
    ];
    const plainKeys = [
      'userId', 'user', 'name', 'threadId', 'runId', 'status', 'url', 'host', 'author', 'authority', 'signal',
      'maxTokens', 'max_tokens', 'promptTokens', 'completion_tokens', 'tokenCount', 'tokens', 'tokenizer',
      'totalTokens', 'tokenUsage', 'keyword', 'monkey', 'design', 'description', 'passenger', 'passive',
      'prompt_tokens_details', 'completion_tokens_details', 'maxTokensPerMinute', 'tokens_per_second', 'tokenBudget', 'tokenType',
      'primaryKey', 'cacheKey', 'idempotencyKey', 'oauthority',
    ];

    for (const key of secretKeys) {
      it(`redacts the value of ${JSON.stringify(key)}`, () => {
        expect(redactor.isSecretKey(key)).to.equal(true);
        expect(redactor.record({ [key]: 'v4lue-0f-the-key' })).to.deep.equal({ [key]: REDACTED });
      });
    }

    it('keeps keys that only look alike: counts of tokens, authors, signals, keywords', () => {
      for (const key of plainKeys) expect(redactor.isSecretKey(key), key).to.equal(false);
      const record = Object.fromEntries(plainKeys.map((key) => [key, `value-of-${key}`]));
      expect(redactor.record(record)).to.deep.equal(record);
    });

    it('redacts a secret key whatever its value is: a number, null, an object, an array', () => {
      expect(redactor.record({ token: 42, secret: null, password: { nested: 'x' }, apiKey: ['a'] })).to.deep.equal({
        token: REDACTED,
        secret: REDACTED,
        password: REDACTED,
        apiKey: REDACTED,
      });
    });
  });

  describe('value rules (DEFAULT_REDACT_VALUE_RULES)', () => {
    const cases: readonly (readonly [string, string, string])[] = [
      ['a password in a connection URL', 'postgres://user:pa55@db.internal:5432/app', 'postgres://REDACTED:REDACTED@db.internal:5432/app'],
      ['a token as a URL user', 'https://ghtoken123@github.com/org/repo.git', 'https://REDACTED:REDACTED@github.com/org/repo.git'],
      ['a Redis URL with a password', 'redis://:hunter2@cache:6379/0', 'redis://REDACTED:REDACTED@cache:6379/0'],
      ['a token in a query string', 'GET https://api.example.com/v1/me?access_token=abc123&format=json failed', 'GET https://api.example.com/v1/me?access_token=[REDACTED]&format=json failed'],
      ['a password in a query string', 'redis://cache:6379/?password=hunter2&db=0', 'redis://cache:6379/?password=[REDACTED]&db=0'],
      ['a signature in a signed URL', 'https://bucket.s3.amazonaws.com/k?X-Amz-Signature=f00ba4&X-Amz-Expires=60', 'https://bucket.s3.amazonaws.com/k?X-Amz-Signature=[REDACTED]&X-Amz-Expires=60'],
      ['a URL inside a key=value pair', 'retrying url=https://h.example/?token=t0ken-value now', 'retrying url=https://h.example/?token=[REDACTED] now'],
      ['a Bearer token in prose', 'the call sent Bearer eyJabc.def-ghi_jkl and failed', 'the call sent Bearer [REDACTED] and failed'],
      ['a Basic credential', 'Authorization: Basic dXNlcjpwYXNz', 'Authorization: [REDACTED]'],
      ['a header line with a short token', 'authorization: Bearer abc', 'authorization: [REDACTED]'],
      ['a secret in JSON text', '{"user":"ann","apiKey":"k-123","n":1}', '{"user":"ann","apiKey":"[REDACTED]","n":1}'],
      ['key: value in a log message', 'login failed for ann, password: hunter2', 'login failed for ann, password: [REDACTED]'],
      ['a JWT alone', 'id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'id [REDACTED]'],
      ['an OpenAI key', 'key sk-proj-abc123def456ghi789jkl0mn', 'key [REDACTED]'],
      ['a GitLab token', 'glpat-abcdefghij0123456789x', '[REDACTED]'],
      ['a Hugging Face token', 'hf_abcdefghijklmnopqrstuvwxyz01234567', '[REDACTED]'],
      ['a GitHub token', 'using ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'using [REDACTED]'],
      ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE is invalid', '[REDACTED] is invalid'],
      ['a Slack token', 'xoxb-1234567890-abcdefghij', '[REDACTED]'],
      ['a PEM private key', 'key=\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n', 'key=\n[REDACTED]\n'],
      ['a PGP private key block', '-----BEGIN PGP PRIVATE KEY BLOCK-----\nxcLY\n-----END PGP PRIVATE KEY BLOCK-----', '[REDACTED]'],
      ['a secret pair after a plain one', 'Login failed: password: hunter2', 'Login failed: password: [REDACTED]'],
      ['a value on the line after its key', 'password=\nhunter2', 'password=\n[REDACTED]'],
      ['an indented value on the next line', 'token:\n  abc123tok', 'token:\n  [REDACTED]'],
      ['a quoted pair after a plain one', 'Error: token="a b c"', 'Error: token="[REDACTED]"'],
      ['a pair after a plain one with a colon', 'Config: api_key: x1y2', 'Config: api_key: [REDACTED]'],
      ['an escaped quote inside a JSON value', '{"password":"ab\\"cd"}', '{"password":"[REDACTED]"}'],
      ['JSON inside a JSON string', '{"body":"{\\"password\\":\\"p4ss\\"}"}', '{"body":"{\\"password\\":\\"[REDACTED]\\"}"}'],
      ['a value longer than 4,096 characters', `password=${'a'.repeat(5_000)} end`, 'password=[REDACTED] end'],
      ['a quoted value longer than 4,096 characters', `"token":"${'b'.repeat(5_000)}"`, '"token":"[REDACTED]"'],
      ['every cookie of a Cookie header', 'Cookie: a=1; connect.sid=s%3Aabc', 'Cookie: [REDACTED]'],
      ['a form key', 'user[password]=x&user[name]=ann', 'user[password]=[REDACTED]&user[name]=ann'],
      ['a URL-encoded form key', 'user%5Bpassword%5D=x&n=1', 'user%5Bpassword%5D=[REDACTED]&n=1'],
      ['a password holding an @ in a URL', 'postgres://u:p@ss@db/app', 'postgres://REDACTED:REDACTED@db/app'],
      ['spaces around the equals sign', 'password    =    hunter2', 'password    =    [REDACTED]'],
      ['a JSON key with a space', '{"api key":"k1"}', '{"api key":"[REDACTED]"}'],
      ['a JSON array as the value', '{"password":["hunter2"],"n":1}', '{"password":[REDACTED],"n":1}'],
      ['a JSON object as the value', '{"token":{"value":"tok-xx"}}', '{"token":[REDACTED]}'],
      ['a Ruby hash or a printed Map', "Map(1) { 'password' => 'hunter2' }", "Map(1) { 'password' => '[REDACTED]' }"],
      ['URL-encoded separators', 'redirect=https%3A%2F%2Fh%2Fcb%3Faccess_token%3Dabc123', 'redirect=https%3A%2F%2Fh%2Fcb%3Faccess_token%3D[REDACTED]'],
      ['an Azure connection string', 'DefaultEndpointsProtocol=https;AccountKey=Zm9vYmFy==;EndpointSuffix=x', 'DefaultEndpointsProtocol=https;AccountKey=[REDACTED];EndpointSuffix=x'],
      ['a command-line flag', 'psql --password hunter2 -h db', 'psql --password [REDACTED] -h db'],
      ['an XML element', '<password>hunter2</password><user>ann</user>', '<password>[REDACTED]</password><user>ann</user>'],
      ['a # in a URL password', 'mysql://root:p#ss1word@db/app', 'mysql://REDACTED:REDACTED@db/app'],
      ['a / in a URL password', 'postgres://app:pa/ss@db/app', 'postgres://REDACTED:REDACTED@db/app'],
      ['a JWT whose header holds a dash', 'jwt eyJhbGciOiJSUzI1NiIsImtpZCI6Ims-Pj4_P35-fiIs.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl end', 'jwt [REDACTED] end'],
      ['temporary AWS keys', 'ASIAIOSFODNN7EXAMPLE', '[REDACTED]'],
      ['a Google OAuth token', 'ya29.a0AfH6SMBx-abcdefghijklmnop', '[REDACTED]'],
      ['a long lower-case bearer token', 'Bearer abcdefghijklmnopqrst', 'Bearer [REDACTED]'],
      ['keys ending in pass or pw', 'DB_PASS=abc db.pw=x bypass=ok', 'DB_PASS=[REDACTED] db.pw=[REDACTED] bypass=ok'],
    ];
    for (const [what, text, expected] of cases) {
      it(`replaces ${what}`, () => {
        expect(redactor.text(text)).to.equal(expected);
        expect(redactor.redact({ note: text })).to.deep.equal({ note: expected });
      });
    }

    it('leaves prose, plain URLs and counts alone', () => {
      const texts = [
        'Basic authentication is enabled',
        'https://example.com/docs?page=2&sort=asc',
        'maxTokens=512, tokenCount: 12',
        'user ann@example.com signed in',
        'ratio 3:2 at 10:45',
        'Background task \'send_email\' timed out after 10000 ms',
        'Basic Authentication is not supported',
        'the Weekly Digest Newsletter went out',
        'ssh://git@github.com:org/repo.git',
        'sk-learn-pipeline-classifier',
        'http://localhost:3000/@vite/client',
        'https://medium.com/@user',
        'git --no-pager log -n 5',
        'tokensPerMinute=5 bypass=on',
      ];
      for (const text of texts) expect(redactor.text(text), text).to.equal(text);
    });
  });

  describe('shapes', () => {
    it('redacts header pairs, as objects and as tuples, and Map entries; Sets become arrays', () => {
      const value = {
        headers: [
          { name: 'Authorization', value: 'Bearer abc' },
          { name: 'Accept', value: 'json' },
          ['Cookie', 'c=1'],
        ],
        map: new Map<unknown, unknown>([
          ['refresh_token', 'r-1'],
          ['user', 'ann'],
        ]),
        set: new Set(['plain', 'https://u:p@h/']),
      };

      expect(redactor.redact(value)).to.deep.equal({
        headers: [{ name: 'Authorization', value: REDACTED }, { name: 'Accept', value: 'json' }, ['Cookie', REDACTED]],
        map: [
          ['refresh_token', REDACTED],
          ['user', 'ann'],
        ],
        set: ['plain', 'https://REDACTED:REDACTED@h/'],
      });
    });

    it('writes an error as { name, message, code, cause }, redacted, and never its other fields (a request config)', () => {
      const cause = new Error('connect ECONNREFUSED to postgres://app:pw-123@db/app');
      const error = Object.assign(new Error('Request failed with status 401: token=t0k-abc', { cause }), {
        name: 'AxiosError',
        code: 'ERR_BAD_REQUEST',
        config: { headers: { Authorization: 'Bearer s3cr3t-header-value' }, url: 'https://api/' },
      });

      expect(redactor.redact(error)).to.deep.equal({
        name: 'AxiosError',
        message: 'Request failed with status 401: token=[REDACTED]',
        code: 'ERR_BAD_REQUEST',
        cause: { name: 'Error', message: 'connect ECONNREFUSED to postgres://REDACTED:REDACTED@db/app' },
      });
    });

    it("redacts class instances' own fields", () => {
      class Client {
        readonly baseUrl = 'https://api/';
        readonly apiKey = 'k-1';
      }
      expect(redactor.redact({ client: new Client() })).to.deep.equal({ client: { baseUrl: 'https://api/', apiKey: REDACTED } });
    });

    it('replaces what lies past the depth limit, cuts a long string, and is total', () => {
      let deep: unknown = { password: 'deep-secret', url: 'https://u:deep@h/' };
      for (let level = 0; level < 40; level++) deep = { next: deep };
      const long = `${'a'.repeat(70_000)} password=hidden`;
      const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });

      const text = JSON.stringify(redactor.redact({ deep, long, hostile }));

      expect(text).to.contain('[Truncated]').and.contain('[unreadable]');
      expect(text).not.to.contain('deep-secret').and.not.contain('u:deep').and.not.contain('hidden');
    });
  });

  it('redacts name/value pairs of cloud parameters and CI variables, but not the result of a task event', () => {
    const value = {
      ssm: { Name: '/prod/db/password', Type: 'SecureString', Value: 'ssm-secret', Version: 1, ARN: 'arn', DataType: 'text' },
      cloudFormation: { ParameterKey: 'DbPassword', ParameterValue: 'cf-secret' },
      gitlab: { key: 'DEPLOY_TOKEN', value: 'gl-secret', variable_type: 'env_var', protected: true, masked: true },
      event: { seq: 1, timestamp: 1, id: 1, name: 'session_cleanup', context: {}, type: 'completed', durationMs: 1, value: 'kept' },
    };
    const text = JSON.stringify(redactor.redact(value));
    for (const secret of ['ssm-secret', 'cf-secret', 'gl-secret']) expect(text).not.to.contain(secret);
    expect(text).to.contain('"value":"kept"');
  });

  describe('your own rules', () => {
    it('adds key rules (strings and RegExps) to the defaults, or replaces them with a list alone', () => {
      const more = new Redactor([...DEFAULT_REDACT_KEYS, 'ssn', /^pin$/]);
      expect(more.record({ SSN: 1, pin: 2, spin: 3, password: 4 })).to.deep.equal({ SSN: REDACTED, pin: REDACTED, spin: 3, password: REDACTED });

      const only = new Redactor(['ssn']);
      expect(only.record({ ssn: 1, password: 2, url: 'https://u:p@h/' })).to.deep.equal({ ssn: REDACTED, password: 2, url: 'https://REDACTED:REDACTED@h/' });
    });

    it('adds value rules, with a string or a function as the replacement; a throwing function redacts the match', () => {
      const ssn: RedactValueRule = { name: 'ssn', pattern: /\b\d{3}-\d{2}-\d{4}\b/, replacement: '***-**-****' };
      const card: RedactValueRule = { name: 'card', pattern: /\b\d{4}(?: ?\d{4}){3}\b/, replacement: (found) => `card …${found.text.slice(-4)}` };
      const broken: RedactValueRule = { name: 'broken', pattern: /bad/, replacement: () => { throw new Error('oops'); } };
      const custom = new Redactor({ values: [...DEFAULT_REDACT_VALUE_RULES, ssn, card, broken] });

      expect(custom.text('ssn 123-45-6789, card 4111 1111 1111 1234, bad, token=x')).to.equal(
        'ssn ***-**-****, card card …1234, [REDACTED], token=[REDACTED]',
      );
    });

    it('turns off with false', () => {
      const off = new Redactor(false);
      expect(off.redact({ password: 'p', note: 'Bearer abcdefghijk' })).to.deep.equal({ password: 'p', note: 'Bearer abcdefghijk' });
    });

    it('refuses a rule it cannot use, naming it', () => {
      const cases: readonly (readonly [unknown, string])[] = [
        ['password', 'Expected `redact` to be an array of key rules, { keys, values }, or false, got "password"'],
        [true, 'Expected `redact` to be an array of key rules, { keys, values }, or false, got true'],
        [{ values: ['x'] }, 'Expected `redact.values[0]` to be a value rule { name, pattern, replacement? }, got "x"'],
        [[''], 'Expected `redact[0]` to be a non-empty string or a RegExp, got ""'],
        [[42], 'Expected `redact[0]` to be a non-empty string or a RegExp, got 42'],
        [{ keys: 'password' }, 'Expected `redact.keys` to be an array of strings and RegExps, got "password"'],
        [{ values: [{ name: 'x', pattern: 'abc' }] }, 'Expected `redact.values[0].pattern` to be a RegExp, got "abc"'],
        [{ values: [{ name: 'x', pattern: /a*/ }] }, 'Expected `redact.values[0].pattern` to be a RegExp that does not match empty text, got /a*/'],
        [{ values: [{ name: '', pattern: /a/ }] }, 'Expected `redact.values[0].name` to be a non-empty string, got ""'],
        [{ values: [{ name: 'x', pattern: /a/, replacement: 1 }] }, 'Expected `redact.values[0].replacement` to be a string or a function, got 1'],
      ];
      for (const [rules, message] of cases) {
        const error = thrownBy(() => new Redactor(rules as never));
        expect(error, message).to.be.instanceOf(InvalidArgumentError);
        expect((error as Error).message).to.equal(message);
      }
      const unknown = thrownBy(() => new Redactor({ key: ['x'] } as never)) as Error;
      expect(unknown).to.be.instanceOf(InvalidArgumentError);
      expect(unknown.message).to.contain('Unknown option `key`');
    });
  });
});
