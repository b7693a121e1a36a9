#!/usr/bin/env -S node --max-semi-space-size=32
'use strict';
// The node flags after `-S node` above are the gateway's runtime flags, the same as in the
// `start` script of package.json (a test keeps the two equal; the bench starts the gateway with
// them): see README.md "Runtime flags".
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
