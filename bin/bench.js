#!/usr/bin/env node
'use strict';
// `npm run bench`: compile the bench (test/bench and the gateway code it runs) with
// tsconfig.bench.json into dist/bench/, then run it. Type errors elsewhere in the tree do not stop
// the bench (tsc still emits); a missing entry point does.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'bench', 'test', 'bench', 'cli.js');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
if (!process.argv.includes('--no-build')) {
  const r = spawnSync(tsc, ['-p', path.join(root, 'tsconfig.bench.json')], { cwd: root, encoding: 'utf8', timeout: 120000 });
  if (r.error) {
    process.stderr.write(`bench: cannot run tsc (${r.error.message}); run npm ci first\n`);
    process.exit(1);
  }
  if (r.status !== 0) {
    const lines = (r.stdout + r.stderr).trim().split('\n');
    process.stderr.write(`bench: tsc reported ${lines.length} type error line(s); running what was emitted. First: ${lines[0]}\n`);
  }
}
if (!fs.existsSync(entry)) {
  process.stderr.write(`bench: ${path.relative(root, entry)} was not built\n`);
  process.exit(1);
}
const argv = process.argv.slice(2).filter((a) => a !== '--no-build');
require(entry).main(argv).then(
  (code) => { process.exitCode = code; setTimeout(() => process.exit(code), 2000).unref(); },
  (err) => { process.stderr.write(`bench: ${err && err.stack ? err.stack : String(err)}\n`); process.exitCode = 1; },
);
