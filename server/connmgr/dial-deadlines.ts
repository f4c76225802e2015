/**
 * Rule 5's dial timeout for every pending dial, on one timer of the manager's clock.
 *
 * A timer per dial cost every dial a timer object, a list of Node's timers made and dropped, and
 * a native call to arm it (measured: ≈ 3 µs of a connect-then-remove). Here the pending dials are
 * a list in order of their deadlines (a dial added later almost always ends later: the timeout is
 * one setting), and one timer is armed for the earliest. A dial that settles is unlinked; the
 * timer stays armed for whatever deadline it was set for and, when it fires early, finds nothing
 * due and is armed again for the head. So a steady stream of dials arms the timer once per
 * `dialTimeoutMs`, not once per dial, and every deadline still fires at its exact time (the
 * virtual-clock tests see no difference). While no dial is pending the timer does not keep the
 * process alive (`unref`, where the clock's timers have it).
 */
import type { Clock } from './types.ts';

/** What the list needs of a pending dial: its deadline on the manager's clock, and its links. */
export interface Deadline {
  due: number;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  /** On the list now. */
  linked: boolean;
}

/** Node's timers can stop holding the event loop open; other clocks' handles may not. */
type MaybeRef = { ref?(): unknown; unref?(): unknown } | undefined;

export class DialDeadlines<T extends Deadline> {
  readonly #clock: Clock;
  readonly #onDue: (dial: T) => void;
  #head: T | undefined;
  #tail: T | undefined;
  #size = 0;
  #timer: unknown;
  /** When the armed timer fires (Infinity: none armed). */
  #timerDue = Number.POSITIVE_INFINITY;

  /** `onDue(dial)` is called when `dial` is still on the list at its deadline (it is unlinked first). */
  constructor(clock: Clock, onDue: (dial: T) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** Pending dials on the list. */
  get size(): number {
    return this.#size;
  }

  /** Timers held for them: 1 while a dial is pending, else 0 (an idle armed timer holds nothing). */
  get timers(): number {
    return this.#size > 0 && this.#timer !== undefined ? 1 : 0;
  }

  /** Puts `dial` (its `due` set) on the list, in deadline order. */
  add(dial: T): void {
    let after = this.#tail;
    while (after !== undefined && after.due > dial.due) after = after.prev as T | undefined;
    dial.prev = after;
    dial.next = after === undefined ? this.#head : after.next;
    if (dial.next) dial.next.prev = dial;
    else this.#tail = dial;
    if (after) after.next = dial;
    else this.#head = dial;
    dial.linked = true;
    this.#size += 1;
    const first = (this.#head as T).due; // the earliest deadline: the list is in order
    if (first < this.#timerDue) this.#arm(first);
    else if (this.#size === 1) (this.#timer as MaybeRef)?.ref?.();
  }

  /** Takes `dial` off the list (settled or canceled); nothing if it is not on it. */
  remove(dial: T): void {
    if (!dial.linked) return;
    dial.linked = false;
    if (dial.prev) dial.prev.next = dial.next;
    else this.#head = dial.next as T | undefined;
    if (dial.next) dial.next.prev = dial.prev;
    else this.#tail = dial.prev as T | undefined;
    dial.prev = undefined;
    dial.next = undefined;
    this.#size -= 1;
    if (this.#size === 0) (this.#timer as MaybeRef)?.unref?.();
  }

  /** Stops: the timer is cleared and the list let go (stop(): every dial was aborted already). */
  clear(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    while (this.#head) this.remove(this.#head);
  }

  #arm(due: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, due - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    // Every dial due by now, earliest first; a callback may add or remove dials meanwhile.
    for (let dial = this.#head; dial !== undefined && dial.due <= now; dial = this.#head) {
      this.remove(dial);
      this.#onDue(dial);
    }
    if (this.#head !== undefined && this.#timer === undefined) this.#arm(this.#head.due);
  }
}
