/**
 * Light / dark / system theme. The choice is kept in localStorage; `system` (the default)
 * follows prefers-color-scheme. The theme shown is always written as `data-theme` on <html>
 * (so app.css keeps one palette per theme), which canvas views pick up too.
 */
export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEMES)[number];

const KEY = 'connscope.theme';

function readStored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return (THEMES as readonly string[]).includes(v ?? '') ? (v as ThemeChoice) : 'system';
  } catch {
    return 'system';
  }
}

export class ThemeState {
  choice = $state<ThemeChoice>(readStored());
  #systemDark = $state(typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches);
  /** What is shown: `light` or `dark`. */
  readonly effective = $derived<'light' | 'dark'>(this.choice === 'system' ? (this.#systemDark ? 'dark' : 'light') : this.choice);

  constructor() {
    if (typeof matchMedia === 'function') {
      matchMedia('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
        this.#systemDark = e.matches;
        apply(this.effective);
      });
    }
    apply(this.effective);
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    apply(this.effective);
  }
}

function apply(theme: 'light' | 'dark'): void {
  document.documentElement.dataset.theme = theme;
}
