/**
 * DOM wiring shared by the canvas views: each call attaches something and returns the one
 * function that detaches it, so a component's teardown is a list of those functions.
 */

import { nodeApiPath } from '../net/node-api.ts';
import type { RecordingHost } from '../replay/recordings.svelte.ts';
import type { FrameHost } from './frame-scheduler.ts';
import { themeTokens, type ThemeTokens } from './theme-tokens.ts';

type Handler = (event: never) => void;

/** Adds event listeners to `target`; returns the function that removes exactly those. */
export function listen(target: EventTarget, handlers: Record<string, Handler | [Handler, AddEventListenerOptions]>): () => void {
  const added: Array<[string, EventListener, AddEventListenerOptions | undefined]> = [];
  for (const [type, entry] of Object.entries(handlers)) {
    const [fn, options] = Array.isArray(entry) ? entry : [entry, undefined];
    target.addEventListener(type, fn as EventListener, options);
    added.push([type, fn as EventListener, options]);
  }
  return () => {
    for (const [type, fn, options] of added) target.removeEventListener(type, fn, options);
  };
}

/**
 * Calls `onChange` whenever the theme may have changed: `data-theme` (or class/style) on <html>,
 * or the system colour scheme. Canvas views then re-read their CSS custom properties.
 */
export function watchTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', onChange);
  return () => {
    observer.disconnect();
    scheme.removeEventListener('change', onChange);
  };
}

/** Calls `onResize` when `el` changes size; returns the function that stops watching. */
export function watchSize(el: Element, onResize: () => void): () => void {
  const observer = new ResizeObserver(onResize);
  observer.observe(el);
  return () => observer.disconnect();
}

/** The browser's frame host for FrameScheduler: requestAnimationFrame, setTimeout, performance.now(). */
export function browserFrameHost(): FrameHost {
  return {
    requestFrame: (cb) => requestAnimationFrame(cb),
    cancelFrame: (h) => cancelAnimationFrame(h),
    setTimer: (cb, ms) => setTimeout(cb, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    now: () => performance.now(),
  };
}

/** The theme's tokens as they apply to `el` (so a `data-theme` switch on <html> is picked up). */
export function readThemeTokens(el: Element): ThemeTokens {
  const cs = getComputedStyle(el);
  return themeTokens((name) => cs.getPropertyValue(name));
}

/** Calls `onResize` when any of `els` changes size (and once when watching starts); returns the function that stops watching. */
export function watchSizes(els: ReadonlyArray<Element | undefined>, onResize: () => void): () => void {
  const observer = new ResizeObserver(onResize);
  for (const el of els) if (el) observer.observe(el);
  return () => observer.disconnect();
}

/** The browser's host: same-origin fetch (for `node`'s paths on a fleet dashboard), and a download through a temporary link. */
export function browserRecordingHost(node?: string): RecordingHost {
  return {
    async fetchText(path) {
      const res = await fetch(nodeApiPath(path, node), { cache: 'no-store' });
      return { ok: res.ok, status: res.status, text: await res.text() };
    },
    download(name, text) {
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    now: () => Date.now(),
    setTimer: (cb, ms) => setTimeout(cb, ms),
  };
}
