/**
 * Light / dark / system theme. The choice is kept in localStorage; `system` (the default)
 * follows prefers-color-scheme through app.css. Applied as `data-theme` on <html>, which canvas
 * views also pick up (they read the CSS custom properties).
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
      });
    }
    apply(this.choice);
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    apply(choice);
  }
}

function apply(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}
