/** The GatewayServices an adapter sees (canonical/adapter.ts), backed by the presence service and the store. */
import type { GatewayServices } from '../canonical/adapter';
import { addressKey, type Address } from '../canonical/address';
import type { Rules } from '../canonical/rules';
import type { Accounts } from './accounts';
import type { PresenceService } from './presence-service';
import type { Store } from './store/store';
import { DEFAULT_RULES } from '../canonical/rules';
import { readRules } from './store/records';

export function createServices(store: Store, presence: PresenceService, accounts: Accounts): GatewayServices {
  return {
    listSubscriptions: (watcher: Address) => presence.listSubscriptions(watcher),
    listWatchers: (presentity: Address) => presence.listWatchers(presentity),
    removeWatcher: (presentity: Address, watcher: Address) => presence.removeWatcher(presentity, watcher),
    getRules: async (owner: Address) => (await store.getRules(addressKey(owner))) ?? DEFAULT_RULES,
    // Stored through the tolerant reader, so only known fields with the right types are kept.
    putRules: (owner: Address, rules: Rules) => store.putRules(addressKey(owner), readRules(rules)),
    storedPresence: (presentity: Address) => presence.storedPresence(presentity),
    outOfContact: (presentity: Address, sourceKey: string) => presence.outOfContact(presentity, sourceKey),
    accounts,
  };
}
