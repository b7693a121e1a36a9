/**
 * The `switchboard` command. bin/switchboard.js calls main(argv) and sets the exit code from its
 * result; library code never exits the process.
 */
import { runAccount } from './account';
import { runCheckConfig } from './check-config';
import { HELP } from './help';
import { runInspect } from './inspect';
import { runSend } from './send';
import { type CliIo, processIo } from './io';
import { runStart } from './start';
import { runTranslate } from './translate';

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(HELP);
      return 0;
    case 'start':
      return runStart(args, io);
    case 'check-config':
      return runCheckConfig(args, io);
    case 'account':
      return runAccount(args, io);
    case 'inspect':
      return runInspect(args, io);
    case 'translate':
      return runTranslate(args, io);
    case 'send':
      return runSend(args, io);
    default:
      io.stderr.write(`switchboard: unknown command ${JSON.stringify(command)}; see switchboard help\n`);
      return 2;
  }
}
