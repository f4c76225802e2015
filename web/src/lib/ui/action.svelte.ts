/**
 * The pending → result state of one control (Connect, Set target, Add peer, …), shown in an
 * aria-live region beside it.
 */
import { CommandFailure } from '../net/LinkClient.svelte.ts';

export type ActionStatus =
  | { kind: 'idle' }
  | { kind: 'pending'; text: string }
  | { kind: 'ok'; text: string }
  | { kind: 'error'; text: string; code?: string };

export class Action {
  status = $state<ActionStatus>({ kind: 'idle' });
  readonly pending = $derived(this.status.kind === 'pending');

  /** Runs `work`, showing `pendingText` meanwhile and `okText(result)` or the error after. */
  async run<R>(pendingText: string, work: () => Promise<R>, okText: (r: R) => string): Promise<R | undefined> {
    this.status = { kind: 'pending', text: pendingText };
    try {
      const r = await work();
      this.status = { kind: 'ok', text: okText(r) };
      return r;
    } catch (err) {
      this.status =
        err instanceof CommandFailure
          ? { kind: 'error', text: err.message, code: err.code }
          : { kind: 'error', text: (err as Error).message ?? String(err) };
      return undefined;
    }
  }

  fail(text: string): void {
    this.status = { kind: 'error', text };
  }

  clear(): void {
    this.status = { kind: 'idle' };
  }
}
