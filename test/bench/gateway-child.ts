/**
 * The gateway as the benchmark runs it: its own process, started through the CLI's `start`
 * command exactly as users start it (`switchboard start --config FILE`), so its CPU time and RSS
 * are read from /proc apart from every load generator.
 */
import { main } from '../../gateway/cli/main';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: gateway-child CONFIG.yaml\n');
  process.exitCode = 2;
} else {
  main(['start', '--config', file]).then(
    (code) => { process.exitCode = code; },
    (err: Error) => { process.stderr.write(`gateway: ${err.stack ?? err.message}\n`); process.exitCode = 1; },
  );
}
