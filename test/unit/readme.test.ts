/**
 * README.md shows users the error mapping table; keep it the same as canonical/errors.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, ERROR_TABLE } from '../../canonical/errors';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README error table', () => {
  it.each(ERROR_CODES.map((c) => [c]))('has the row of %s as the table gives it', (code) => {
    const r = ERROR_TABLE[code];
    const row = `| \`${code}\` | ${r.text} | ${r.sip} ${r.sipReason} | \`${r.xmpp.condition}\` (${r.xmpp.type}) | ${r.http} |`;
    expect(readme).toContain(row);
  });

  it('names the test command that .ci/run runs', () => {
    const ci = readFileSync(join(__dirname, '..', '..', '.ci', 'run'), 'utf8');
    expect(readme).toContain('npm test ');
    expect(ci.trim().split('\n').pop()).toBe('npm test');
  });
});
