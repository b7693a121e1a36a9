#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI lives in gateway/cli (compiled to dist/ by `npm run build`, which
// `npm ci` runs through the prepare script).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'gateway', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('switchboard: not built yet; run `npm run build` (npm ci does it)\n');
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { process.stderr.write(`switchboard: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
