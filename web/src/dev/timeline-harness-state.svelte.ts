/** Dev harness UI state (selection and filter) as runes, so mount() props stay reactive. */
import type { ConnView } from '../lib/model/types.ts';

export class HarnessState {
  selectedId = $state<number | null>(null);
  filter = $state('');

  /** A new function whenever the filter text changes, as the real store's filter does. */
  matches = $derived.by(() => {
    const q = this.filter.trim().toLowerCase();
    if (!q) return (_c: ConnView) => true;
    return (c: ConnView) => c.addr.includes(q) || c.state === q || c.type === q || (q === 'persistent' && c.persistent) || `#${c.id}` === q;
  });
}
