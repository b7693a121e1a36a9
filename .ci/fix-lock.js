// Drop optionalDependencies edges to platform packages the registry cannot serve (they are
// absent from the lock), so `npm ci` accepts the lock.
const fs = require('fs');
const p = process.argv[2] || 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(p, 'utf8'));
let n = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const dep of Object.keys(entry.optionalDependencies)) {
    const base = key ? key + '/node_modules/' + dep : 'node_modules/' + dep;
    if (!lock.packages[base] && !lock.packages['node_modules/' + dep]) { delete entry.optionalDependencies[dep]; n++; }
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
fs.writeFileSync(p, JSON.stringify(lock, null, 2) + '\n');
console.log(`removed ${n} unresolvable optional edges`);
