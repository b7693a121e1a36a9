/** The fan-out's watcher accounts, derived from an index (so no list crosses process arguments). */
export const watcherAccount = (i: number, domain: string): [string, string] => [`w${i}@${domain}`, `bench-watcher-${i}-token`];
