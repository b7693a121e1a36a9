/** The streams a CLI command writes to, injectable for tests. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(s: string | Uint8Array): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Parses `--name value` / `--name=value` / `--flag` options; the rest are positional. */
export function parseArgs(args: readonly string[], valued: readonly string[], flags: readonly string[] = []):
  { positional: string[]; options: Record<string, string>; flags: Set<string>; problems: string[] } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  const set = new Set<string>();
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (valued.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) problems.push(`--${name} needs a value`); else options[name] = v;
      } else if (flags.includes(name) && eq < 0) set.add(name);
      else problems.push(`unknown option --${name}`);
    } else positional.push(a);
  }
  return { positional, options, flags: set, problems };
}
