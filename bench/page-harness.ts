/**
 * What the page benchmark puts into each page it measures (bench/page.ts): the raw page itself,
 * and the measuring harness added to both pages before their own scripts run.
 */

/**
 * Runs in the page (as an init script). Measures, between `__bench.start()` and `__bench.stop()`:
 *   - frames: requestAnimationFrame callbacks (fps = frames / seconds);
 *   - long tasks: PerformanceObserver 'longtask' durations;
 *   - event→pixel: for every event the page painted, (time the frame that first shows it has
 *     finished its main-thread work) − (the event's `at`, the server's clock: same host, same
 *     clock). "Finished" is the first task after the frame's rAF callbacks (a MessageChannel
 *     message posted from rAF runs after that frame's style, layout and paint); what the frame
 *     shows is the page's `__paintProbe.paintedSeq()` read there.
 */
export const HARNESS = `(() => {
  const B = { on: false, frames: 0, t0: 0, longs: [], lat: [], lastSeq: -1 };
  new PerformanceObserver((list) => {
    if (!B.on) return;
    for (const e of list.getEntries()) B.longs.push(e.duration);
  }).observe({ type: 'longtask' });
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    const p = window.__paintProbe;
    if (!p || !B.on) return;
    const seq = p.paintedSeq();
    if (B.lastSeq < 0) { B.lastSeq = seq; return; }
    if (seq <= B.lastSeq) return;
    const now = performance.timeOrigin + performance.now();
    for (const at of p.eventTimes(B.lastSeq, seq)) B.lat.push(now - at);
    B.lastSeq = seq;
  };
  const loop = () => {
    if (B.on) B.frames += 1;
    ch.port2.postMessage(0);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  window.__bench = {
    start() {
      B.on = true; B.frames = 0; B.longs = []; B.lat = []; B.lastSeq = -1; B.t0 = performance.now();
      ch.port2.postMessage(0);
    },
    stop() {
      B.on = false;
      const seconds = (performance.now() - B.t0) / 1000;
      const lat = B.lat.sort((a, b) => a - b);
      const q = (p) => (lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]);
      return { seconds, fps: B.frames / seconds, longs: B.longs, p50: q(0.5), p95: q(0.95), painted: lat.length };
    },
  };
})();`;

/**
 * The raw page: opens the same /ws stream, parses each message, appends one row per event to the
 * DOM (the newest 200 kept, like a virtual log) and nothing else. Its probe says an event is
 * painted once its row is in the DOM (the next frame shows it).
 */
export const RAW_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>raw</title>
<style>body{font:13px monospace;margin:0} #log{height:600px;overflow:hidden}</style></head>
<body><div id="log"></div>
<script>
  const log = document.getElementById('log');
  const MAX_ROWS = 200;
  let lastSeq = 0;
  let ready = false;
  /** seq, at pairs appended since the probe last asked. */
  let unread = [];
  const ws = new WebSocket(new URLSearchParams(location.search).get('ws'));
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'hello') { lastSeq = m.snapshot.seq; ready = true; return; }
    if (m.type !== 'events') return;
    const frag = document.createDocumentFragment();
    for (const ev of m.events) {
      if (ev.seq <= lastSeq) continue;
      lastSeq = ev.seq;
      const row = document.createElement('div');
      row.textContent = ev.seq + ' ' + new Date(ev.at).toISOString().slice(11, 23) + ' ' + ev.kind + ' #' + (ev.id ?? '') +
        ' ' + (ev.addr ?? '') + ' ' + (ev.from ?? '') + ' → ' + (ev.to ?? '') + ' ' + (ev.reason ?? '');
      frag.appendChild(row);
      unread.push(ev.seq, ev.at);
    }
    log.appendChild(frag);
    while (log.childElementCount > MAX_ROWS) log.firstElementChild.remove();
  };
  window.__paintProbe = {
    ready: () => ready,
    paintedSeq: () => lastSeq,
    appliedSeq: () => lastSeq,
    eventTimes(after, upTo) {
      const out = [];
      let k = 0;
      for (; k < unread.length; k += 2) {
        if (unread[k] > upTo) break;
        if (unread[k] > after) out.push(unread[k + 1]);
      }
      unread = unread.slice(k);
      return out;
    },
    jumps: () => ({ count: 0, skipped: 0 }),
  };
</script></body></html>`;
