import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import FleetApp from './FleetApp.svelte';
import { detectPageMode } from './lib/fleet/page-mode.ts';

const target = document.getElementById('app')!;
// A `connscope fleet` dashboard says so in /healthz (lib/fleet/page-mode.ts); every other server
// gets the ordinary page.
void detectPageMode(async (path) => (await fetch(path, { cache: 'no-store' })).json()).then((mode) => {
  mount(mode === 'fleet' ? FleetApp : App, { target });
});
