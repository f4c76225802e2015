/**
 * Page object of the connscope dashboard. Locators go by role and accessible name first; test ids
 * (`data-testid`) and the `data-*` attributes of the accessible mirrors are the explicit contract
 * for what has no better name (counters, statuses, graph and timeline state).
 *
 * Playwright matches names by case-insensitive substring unless `exact: true`, so names that are
 * part of others ("Connect" / "Disconnect", "p1" / "p10") are matched exactly or within a region.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import type { ConnState, ConnType } from '../../server/protocol/index.ts';
import { boxesOverlap, boxInside, type Box } from '../../web/src/lib/graph/labels.ts';
import type { LabServer } from '../lab-server.ts';

/** The browser APIs that `nextFrames` and `liveCounts` call in the page (the e2e tsconfig has no DOM lib). */
declare const requestAnimationFrame: (callback: () => void) => number;
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

export interface OpenOptions {
  /** `?token=` for control on a server started with `--token`. */
  token?: string;
  /** `?q=`: the filter. */
  q?: string;
}

/** The counters shown in the "Counters" region (`data-testid="counter-<name>"`). */
export type CounterName =
  | 'outbound'
  | 'inbound'
  | 'persistent'
  | 'manual'
  | 'pending'
  | 'failing'
  | 'dials'
  | 'failures'
  | 'rejected'
  | 'retries'
  | 'idle-kicks'
  | 'paused'
  | 'events-rate'
  | 'throttled'
  | 'failed-in-a-row'
  | 'outbound-limit'
  | 'inbound-limit'
  | 'persistent-limit'
  | 'failed-in-a-row-limit';

/** Every live count the page shows, read in one go (one DOM state, one frame). */
export interface LiveCountsOnScreen {
  header: number;
  filterSummary: number;
  graphCaption: number;
  counters: { outbound: number; inbound: number; manual: number; persistent: number; pending: number; failing: number };
  gauges: { outbound: number; inbound: number; manual: number };
}

/** One drawn piece of the graph's text. */
export interface TextBox {
  what: string;
  box: Box;
}

/** The graph's text this frame (see `Dashboard.graphText`). */
export interface GraphText {
  width: number;
  height: number;
  labels: TextBox[];
  pills: TextBox[];
  captions: TextBox[];
  /** The limits' marks: "shed" and "paused: N/N" at the inbound sector, the throttle banner at the outbound one. */
  marks: TextBox[];
  overlays: TextBox[];
}

export class Dashboard {
  readonly page: Page;

  // header
  readonly linkState: Locator;
  /** "attempt N, next try in …" while reconnecting; lag otherwise. */
  readonly linkDetail: Locator;
  /** "Stale since HH:MM:SS …" while the link is down (`data-state="stale"`, `data-since` in ms), "Live again …" for a while after. */
  readonly staleBanner: Locator;
  readonly diagnostics: Locator;
  /** Manager state, live count and each listener as "address state" (listening / paused / …). */
  readonly nodeSummary: Locator;
  readonly helpDialog: Locator;
  readonly themeButtons: Locator;
  readonly helpButton: Locator;
  /** The filter's "N live connections" line beside the input. */
  readonly filterSummary: Locator;
  /** The one-line legend beside the filter. */
  readonly legend: Locator;

  // filter
  readonly filter: Locator;
  readonly clearFilter: Locator;
  readonly filterErrors: Locator;

  // graph (canvas + accessible listbox mirror)
  readonly graph: Locator;
  /**
   * The inbound limit in words ("accepting paused 2/2", "inbound: shedding connections at the
   * limit 8/8"): `data-shedding`, `data-shed-seen` (limit rejections seen live), `data-shed-pulses`
   * (flashes drawn: a few a second at most), `data-paused`, `data-used`, `data-limit`.
   */
  readonly inboundLimit: Locator;
  /**
   * Automatic outbound's throttle in words ("outbound throttled, next try in 3 s"):
   * `data-throttled`, `data-until` (ms, model clock), `data-seconds-left`, `data-failed-attempts`.
   */
  readonly outboundLimit: Locator;

  // timeline (canvas + listbox of the lanes in view)
  readonly timeline: Locator;
  readonly timelineLanes: Locator;
  readonly pauseTimelineButton: Locator;
  readonly followLiveButton: Locator;
  /** "N new" while paused; its name is "N new events — resume". */
  readonly timelineNewButton: Locator;
  /** "Live", "Paused at …" or "Stale since …". */
  readonly timelineStatus: Locator;

  // event log (virtualized grid: only rows in view are in the DOM)
  readonly log: Locator;
  readonly logRows: Locator;
  readonly logCount: Locator;

  // connections table (a tab beside the event log; virtualized grid: only rows in view are in the DOM)
  readonly logTab: Locator;
  readonly tableTab: Locator;
  /** The grid, in either mode ("Connections table", "Connections table by address"). */
  readonly table: Locator;
  /** Its rendered rows (`data-id`: the connection, or in address mode the live or newest id there; `data-addr`, `data-state`, `data-type`). */
  readonly tableRows: Locator;
  /** "N connections" / "N of M addresses". */
  readonly tableCount: Locator;
  /** The one result line of the rows' Disconnect and Remove (the latest action's). */
  readonly tableActionStatus: Locator;

  // details of the selected connection
  readonly details: Locator;
  readonly detailState: Locator;
  readonly detailAttempt: Locator;
  readonly detailNextTry: Locator;
  readonly detailExplanation: Locator;
  readonly disconnectButton: Locator;
  readonly removeButton: Locator;
  /** The one result line of Disconnect and Remove (the latest action's). */
  readonly connActionStatus: Locator;
  /** "Age": `data-value` in ms. */
  readonly detailAge: Locator;
  /** The persistent retry schedule table ("Backoff schedule"), one row per retry. */
  readonly backoffSchedule: Locator;

  // controls
  /** The replay bar (shown while a replay is open) and the record/replay tools of the toolbar. */
  readonly replayBar: Locator;
  readonly replayPosition: Locator;
  readonly replaySlider: Locator;
  readonly rewindButton: Locator;
  readonly exportButton: Locator;
  readonly importFile: Locator;
  readonly recordingProblem: Locator;

  readonly controls: Locator;
  readonly peerAddress: Locator;
  readonly peerAddressError: Locator;
  readonly persistent: Locator;
  readonly connectButton: Locator;
  readonly connectStatus: Locator;
  readonly targetOutbound: Locator;
  readonly setTargetButton: Locator;
  readonly targetStatus: Locator;
  readonly controlsDisabledReason: Locator;

  // lab
  readonly lab: Locator;
  readonly behaviour: Locator;
  readonly addPeerButton: Locator;
  /** "Stop all <behaviour> (n)": every running peer of the chosen behaviour. */
  readonly stopAllButton: Locator;
  readonly addPeerStatus: Locator;
  readonly stopPeerStatus: Locator;
  readonly labPeersHeading: Locator;
  readonly floodConnections: Locator;
  readonly startFloodButton: Locator;
  readonly stopFloodButton: Locator;
  readonly floodStatus: Locator;
  readonly floodState: Locator;

  // lessons (README "Lessons")
  readonly lessons: Locator;
  readonly lessonPick: Locator;
  readonly startLessonButton: Locator;
  /** The running lesson's step: a region named by the step's title. */
  readonly lessonStep: Locator;
  /** "Step k of n". */
  readonly lessonProgress: Locator;
  readonly lessonNarration: Locator;
  /** What the lesson's actions did (refusals that are no event, peers it made). */
  readonly lessonLog: Locator;
  readonly previousStepButton: Locator;
  readonly nextStepButton: Locator;
  readonly endLessonButton: Locator;
  readonly lessonStatus: Locator;

  constructor(page: Page) {
    this.page = page;
    this.linkState = page.getByTestId('link-state');
    this.linkDetail = page.getByTestId('link-detail');
    this.staleBanner = page.getByTestId('stale-banner');
    this.diagnostics = page.getByTestId('diagnostics');
    this.nodeSummary = page.getByTestId('node-summary');
    this.helpDialog = page.getByRole('dialog', { name: 'Help', exact: true });
    this.themeButtons = page.getByRole('group', { name: 'Theme' });
    this.helpButton = page.getByRole('banner').getByRole('button', { name: 'Help', exact: true });
    this.filterSummary = page.locator('#filter-help');
    this.legend = page.getByRole('main').getByRole('list', { name: 'Legend' }).first();

    this.filter = page.getByRole('textbox', { name: 'Filter', exact: true });
    this.clearFilter = page.getByRole('button', { name: 'Clear filter' });
    this.filterErrors = page.getByTestId('filter-error');

    this.graph = page.getByRole('listbox', { name: 'Connections graph' });
    this.inboundLimit = page.getByTestId('limit-inbound');
    this.outboundLimit = page.getByTestId('limit-outbound');

    this.timeline = page.getByTestId('timeline');
    this.timelineLanes = page.getByRole('listbox', { name: 'Timeline lanes' }).getByTestId('timeline-lane');
    this.pauseTimelineButton = this.timeline.getByRole('button', { name: 'Pause timeline', exact: true });
    this.followLiveButton = this.timeline.getByRole('button', { name: 'Follow live', exact: true });
    this.timelineNewButton = this.timeline.getByRole('button', { name: /^\d+ new events? — resume$/ });
    this.timelineStatus = this.timeline.getByTestId('timeline-status');

    this.log = page.getByRole('grid', { name: 'Event log' });
    this.logRows = this.log.locator('[role="row"][data-seq]');
    this.logCount = page.getByTestId('log-count');

    this.logTab = page.getByRole('tab', { name: 'Event log', exact: true });
    this.tableTab = page.getByRole('tab', { name: 'Connections table', exact: true });
    this.table = page.getByRole('grid', { name: /^Connections table/ });
    this.tableRows = this.table.locator('[role="row"][data-id]');
    this.tableCount = page.getByTestId('table-count');
    this.tableActionStatus = page.getByTestId('table-action-status');

    this.details = page.getByRole('region', { name: 'Connection details' });
    this.detailState = this.details.getByTestId('detail-state');
    this.detailAttempt = this.details.getByTestId('detail-attempt');
    this.detailNextTry = this.details.getByTestId('detail-next-try');
    this.detailExplanation = this.details.getByTestId('detail-explanation');
    this.disconnectButton = this.details.getByRole('button', { name: 'Disconnect', exact: true });
    this.removeButton = this.details.getByRole('button', { name: 'Remove', exact: true });
    this.connActionStatus = this.details.getByTestId('conn-action-status');
    this.detailAge = this.details.getByTestId('detail-age');
    this.backoffSchedule = this.details.getByRole('table', { name: 'Wait before the next retries' });

    this.controls = page.getByRole('region', { name: 'Controls', exact: true });
    this.peerAddress = this.controls.getByRole('textbox', { name: 'Peer address' });
    this.peerAddressError = this.controls.getByTestId('peer-addr-error');
    this.persistent = this.controls.getByRole('checkbox', { name: 'Persistent' });
    this.connectButton = this.controls.getByRole('button', { name: 'Connect', exact: true });
    this.connectStatus = this.controls.getByTestId('connect-status');
    this.targetOutbound = this.controls.getByRole('spinbutton', { name: 'Target outbound' });
    this.setTargetButton = this.controls.getByRole('button', { name: 'Set target', exact: true });
    this.targetStatus = this.controls.getByTestId('target-status');
    this.controlsDisabledReason = this.controls.getByTestId('controls-disabled-reason');

    this.lab = page.getByRole('region', { name: /^Lab\b/ });
    this.behaviour = this.lab.getByRole('combobox', { name: 'Behaviour' });
    this.addPeerButton = this.lab.getByRole('button', { name: 'Add peer', exact: true });
    this.stopAllButton = this.lab.getByRole('button', { name: /^Stop all / });
    this.addPeerStatus = this.lab.getByTestId('add-peer-status');
    this.stopPeerStatus = this.lab.getByTestId('stop-peer-status');
    this.labPeersHeading = this.lab.getByRole('heading', { name: /^Peers\b/ });
    this.floodConnections = this.lab.getByRole('spinbutton', { name: 'Flood connections' });
    this.startFloodButton = this.lab.getByRole('button', { name: 'Start flood', exact: true });
    this.stopFloodButton = this.lab.getByRole('button', { name: 'Stop flood', exact: true });
    this.floodStatus = this.lab.getByTestId('flood-status');
    this.floodState = this.lab.getByTestId('flood-state');

    this.replayBar = page.getByRole('region', { name: 'Replay' });
    this.replayPosition = this.replayBar.getByTestId('replay-position');
    this.replaySlider = this.replayBar.getByRole('slider', { name: 'Replay position in time' });
    this.rewindButton = page.getByRole('button', { name: /Rewind$/ });
    this.exportButton = page.getByRole('button', { name: 'Export', exact: true });
    this.importFile = page.getByTestId('import-file');
    this.recordingProblem = page.getByTestId('recording-problem');
    this.lessons = page.getByRole('region', { name: 'Lessons', exact: true });
    this.lessonPick = this.lessons.getByRole('combobox', { name: 'Lesson', exact: true });
    this.startLessonButton = this.lessons.getByRole('button', { name: 'Start lesson', exact: true });
    this.lessonStep = this.lessons.locator('[role="region"][data-lesson]');
    this.lessonProgress = this.lessons.getByTestId('lesson-progress');
    this.lessonNarration = this.lessons.getByTestId('lesson-narration');
    this.lessonLog = this.lessons.getByTestId('lesson-log');
    this.previousStepButton = this.lessons.getByRole('button', { name: 'Previous', exact: true });
    this.nextStepButton = this.lessons.getByRole('button', { name: 'Next', exact: true });
    this.endLessonButton = this.lessons.getByRole('button', { name: 'End lesson', exact: true });
    this.lessonStatus = this.lessons.getByTestId('lesson-status');
  }

  /** The replay's position: the seq of the event at the cursor (`data-seq` of the replay bar). */
  async replaySeq(): Promise<number> {
    return Number(await this.replayBar.getAttribute('data-seq'));
  }

  /** Opens the page on `server` and waits until the link delivered the first snapshot. */
  async open(server: LabServer, options: OpenOptions = {}): Promise<void> {
    const params = new URLSearchParams();
    if (options.token !== undefined) params.set('token', options.token);
    if (options.q !== undefined) params.set('q', options.q);
    const search = params.size > 0 ? `?${params}` : '';
    await this.page.goto(`${server.url}/${search}`);
    await this.expectLinkUp();
  }

  /** The link is up and has applied a snapshot (`data-last-seq` > 0). */
  async expectLinkUp(): Promise<void> {
    await expect(this.linkState).toHaveText(/^(connected|resynced)$/);
    await expect(this.linkState).not.toHaveAttribute('data-last-seq', '0');
  }

  /** The document's width against the window's: the page overflows sideways when the first is larger. */
  async pageWidths(): Promise<{ scrollWidth: number; innerWidth: number }> {
    return this.page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
    );
  }

  /** Picks a theme with the header's Theme buttons and waits until the page wears it. */
  async setTheme(theme: 'Light' | 'Dark' | 'System'): Promise<void> {
    await this.themeButtons.getByRole('button', { name: theme, exact: true }).click();
    if (theme !== 'System') await expect(this.page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
  }

  /**
   * What axe-core finds wrong on the page as it is now (WCAG 2 A/AA and best practices), one
   * line per rule: "rule-id (impact): target, target, …". Empty when it finds nothing.
   * `@axe-core/playwright` is loaded here, on first use: it is an optional peer dependency of
   * `connscope/testing`, needed only by suites that call this.
   */
  async accessibilityViolations(): Promise<string[]> {
    const { default: AxeBuilder } = await import('@axe-core/playwright');
    const result = await new AxeBuilder({ page: this.page }).withTags(['wcag2a', 'wcag2aa', 'best-practice']).analyze();
    return result.violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  /** The last event seq the page has applied. */
  async lastSeq(): Promise<number> {
    return Number(await this.linkState.getAttribute('data-last-seq'));
  }

  /** The reconnect attempt the header shows ("attempt N, …"); 0 while connected. */
  async reconnectAttempt(): Promise<number> {
    const m = /attempt (\d+)/.exec((await this.linkDetail.textContent()) ?? '');
    return m ? Number(m[1]) : 0;
  }

  /** The views that must say when they show the past (`data-stale="true"` while the link is down). */
  mainViews(): Locator[] {
    return [
      this.page.getByRole('region', { name: 'Counters' }),
      this.page.locator('#graph-pane'),
      this.timeline,
      this.page.locator('#log-pane'),
      this.page.locator('#table-pane'),
      this.details,
      this.nodeSummary,
    ];
  }

  /** Every live count on screen, read from `data-*` attributes in one evaluation (one frame). */
  async liveCounts(): Promise<LiveCountsOnScreen> {
    return this.page.evaluate(() => {
      const num = (testid: string, attr = 'data-value'): number => {
        const v = document.querySelector(`[data-testid="${testid}"]`)?.getAttribute(attr);
        if (v === null || v === undefined) throw new Error(`no ${attr} on [data-testid="${testid}"]`);
        return Number(v);
      };
      return {
        header: num('live-count'),
        filterSummary: num('filter-summary'),
        graphCaption: num('graph-caption', 'data-total'),
        counters: {
          outbound: num('counter-outbound'),
          inbound: num('counter-inbound'),
          manual: num('counter-manual'),
          persistent: num('counter-persistent'),
          pending: num('counter-pending'),
          failing: num('counter-failing'),
        },
        gauges: {
          outbound: num('gauge-outbound', 'data-used'),
          inbound: num('gauge-inbound', 'data-used'),
          manual: num('gauge-manual', 'data-used'),
        },
      };
    });
  }

  /** `lab:state` events the page applied (diagnostics line): they update the Lab panel, not the log. */
  async labUpdates(): Promise<number> {
    return Number(await this.diagnostics.getByTestId('lab-updates').textContent());
  }

  // ---- graph mirror ----

  /** Options of the graph mirror, optionally narrowed by `data-*` attributes. */
  graphOptions(where: { type?: ConnType; state?: ConnState; match?: boolean } = {}): Locator {
    let sel = '[role="option"]';
    if (where.type) sel += `[data-type="${where.type}"]`;
    if (where.state) sel += `[data-state="${where.state}"]`;
    if (where.match !== undefined) sel += `[data-match="${where.match}"]`;
    return this.graph.locator(sel);
  }

  graphOption(id: number): Locator {
    return this.graph.locator(`[role="option"][data-conn-id="${id}"]`);
  }

  /** Connection ids listed by `options`, in list order. */
  async idsOf(options: Locator): Promise<number[]> {
    const ids = await options.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-conn-id') ?? el.getAttribute('data-id'))));
    return ids;
  }

  /**
   * Selects connection `id` the way assistive technology does: a click on its (visually hidden)
   * option in the graph mirror. The page then shows it in "Connection details".
   */
  async select(id: number): Promise<void> {
    await this.graphOption(id).dispatchEvent('click');
    await expect(this.details).toContainText(`#${id}`);
  }

  /**
   * The graph's drawn text as the canvas placed it this frame (the mirror's `data-text-boxes`):
   * peer labels, pills, captions and the HTML overlays, each box in pane px, and the pane's size.
   */
  async graphText(): Promise<GraphText> {
    const raw = await this.graph.evaluate((el) => {
      const pane = el.parentElement!;
      return { boxes: el.getAttribute('data-text-boxes'), width: pane.clientWidth, height: pane.clientHeight };
    });
    if (!raw.boxes) throw new Error('the graph wrote no data-text-boxes');
    const parsed = JSON.parse(raw.boxes) as Partial<
      Record<'labels' | 'pills' | 'captions' | 'marks' | 'overlays', [number | string, number[]][]>
    >;
    const box = ([cx, cy, hw, hh, angle]: number[]): Box => ({ cx: cx!, cy: cy!, hw: hw!, hh: hh!, angle: angle! });
    const list = (kind: keyof typeof parsed): TextBox[] =>
      (parsed[kind] ?? []).map(([key, b]) => ({ what: `${kind.slice(0, -1)} ${key}`, box: box(b) }));
    return {
      width: raw.width,
      height: raw.height,
      labels: list('labels'),
      pills: list('pills'),
      captions: list('captions'),
      marks: list('marks'),
      overlays: list('overlays'),
    };
  }

  /**
   * What is wrong with the graph's text this frame: any two drawn texts that overlap (labels,
   * pills, captions, the limits' marks, or text under the HTML overlays), or one outside the pane.
   * Empty when everything reads.
   */
  async graphTextProblems(): Promise<string[]> {
    const t = await this.graphText();
    const problems: string[] = [];
    const texts = [...t.captions, ...t.marks, ...t.pills, ...t.labels];
    const pane = { x: 0, y: 0, w: t.width, h: t.height };
    for (const a of texts) if (!boxInside(a.box, pane)) problems.push(`${a.what} is outside the ${t.width}×${t.height} pane`);
    for (let i = 0; i < texts.length; i++) {
      for (const o of t.overlays) if (boxesOverlap(texts[i]!.box, o.box)) problems.push(`${texts[i]!.what} is under ${o.what}`);
      for (let j = i + 1; j < texts.length; j++) {
        if (boxesOverlap(texts[i]!.box, texts[j]!.box)) problems.push(`${texts[i]!.what} overlaps ${texts[j]!.what}`);
      }
    }
    return problems;
  }

  // ---- timeline ----

  timelineLane(id: number): Locator {
    return this.timelineLanes.and(this.page.locator(`[data-id="${id}"]`));
  }

  /** Lanes the timeline draws (`data-lanes`: every lane, not only those in the mirror). */
  async timelineLaneCount(): Promise<number> {
    return Number(await this.timeline.getAttribute('data-lanes'));
  }

  /** Transitions held back while paused (`data-new-count`, the number on the "N new" button). */
  async timelineNewCount(): Promise<number> {
    return Number(await this.timeline.getAttribute('data-new-count'));
  }

  /** Ids of the lanes in the timeline's mirror (those in view), top to bottom. */
  async timelineLaneIds(): Promise<number[]> {
    return this.timelineLanes.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-id'))));
  }

  /**
   * Resolves after the page painted two more frames. The timeline applies a pause (and rescans
   * its lanes) in the next animation frame, not in the click handler; this is that frame, not a
   * sleep.
   */
  async nextFrames(): Promise<void> {
    await this.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  }

  // ---- lessons ----

  /** The link to the help at `rule` among the rules the lesson's step shows. */
  lessonRuleLink(rule: string): Locator {
    return this.lessonStep.getByRole('link', { name: rule, exact: true });
  }

  // ---- event log ----

  /**
   * Rendered log rows whose accessible name (`#seq time` + the event in words, e.g.
   * "#7 manual 127.0.0.1:9001: pending → established (dial-succeeded)") contains `text`.
   */
  logEntries(text: string): Locator {
    return this.log.getByRole('row', { name: text });
  }

  /**
   * The kind cells of the rendered log rows of `kind` whose text does not fit its column (it
   * would end in an ellipsis): `scrollWidth > clientWidth`. Empty when every name shows whole.
   */
  async truncatedKindCells(kind: string): Promise<string[]> {
    const rows = this.log.locator(`[role="row"][data-kind="${kind}"]`);
    await expect(rows.first()).toBeVisible();
    return rows.evaluateAll((els) =>
      els.flatMap((row) => {
        const cell = row.querySelector('.c-kind') as unknown as { scrollWidth: number; clientWidth: number; textContent: string } | null;
        if (!cell) return ['no kind cell'];
        return cell.scrollWidth > cell.clientWidth ? [`${cell.textContent} needs ${cell.scrollWidth} px, has ${cell.clientWidth} px`] : [];
      }),
    );
  }

  /** Total rows the log holds (its "N events" / "N of M events" counter: the N). */
  async logTotal(): Promise<number> {
    const text = (await this.logCount.textContent()) ?? '';
    const m = /^(\d+)/.exec(text.trim());
    if (!m) throw new Error(`unexpected log count "${text}"`);
    return Number(m[1]);
  }

  // ---- connections table ----

  /** Shows the table tab, one row per connection (`conns`) or per address (`addrs`). */
  async openTable(mode: 'conns' | 'addrs' = 'conns'): Promise<void> {
    await this.tableTab.click();
    await expect(this.tableTab).toHaveAttribute('aria-selected', 'true');
    await this.page.getByRole('radio', { name: mode === 'conns' ? 'Per connection' : 'Per address' }).check();
    await expect(this.table).toHaveAccessibleName(mode === 'conns' ? 'Connections table' : 'Connections table by address');
  }

  /** The table's row of connection `id` (connection mode), if rendered. */
  tableRow(id: number): Locator {
    return this.tableRows.and(this.page.locator(`[data-id="${id}"]`));
  }

  /** The table's row of address `addr` (address mode), if rendered. */
  tableAddrRow(addr: string): Locator {
    return this.tableRows.and(this.page.locator(`[data-addr="${addr}"]`));
  }

  /** The header cell of column `label` (it carries `aria-sort` while the table is sorted by it). */
  tableHeader(label: string): Locator {
    return this.table.getByRole('columnheader', { name: label, exact: true });
  }

  /** Clicks column `label`'s sort button (again to reverse). */
  async sortTableBy(label: string): Promise<void> {
    await this.tableHeader(label).getByRole('button').click();
  }

  /** `attr` of the rendered rows, in row order (by `aria-rowindex`, not DOM order). */
  async tableColumn(attr: 'data-id' | 'data-addr' | 'data-state' | 'data-type'): Promise<string[]> {
    return this.tableRows.evaluateAll(
      (els, a) =>
        els
          .map((el) => ({ i: Number(el.getAttribute('aria-rowindex')), v: el.getAttribute(a) ?? '' }))
          .sort((x, y) => x.i - y.i)
          .map((x) => x.v),
      attr,
    );
  }

  /** Connection ids of the rendered rows, in row order. */
  async tableIds(): Promise<number[]> {
    return (await this.tableColumn('data-id')).map(Number);
  }

  /** Rows the table holds (`data-rows`: all of them, not only those in the DOM). */
  async tableRowCount(): Promise<number> {
    return Number(await this.table.getAttribute('data-rows'));
  }

  // ---- counters ----

  counter(name: CounterName): Locator {
    return this.page.getByRole('region', { name: 'Counters' }).getByTestId(`counter-${name}`);
  }

  async counterValue(name: CounterName): Promise<number> {
    return Number(await this.counter(name).getAttribute('data-value'));
  }

  // ---- controls ----

  /** Fills the Connect form and submits it (does not wait for the result). */
  async connect(addr: string, options: { persistent?: boolean } = {}): Promise<void> {
    await this.peerAddress.fill(addr);
    await this.persistent.setChecked(options.persistent ?? false);
    await this.connectButton.click();
  }

  /**
   * Connects and waits for the success line; returns the connection id it names
   * ("Connected #12 to …" / "Added persistent peer #12 (…): pending").
   */
  async connectOk(addr: string, options: { persistent?: boolean } = {}): Promise<number> {
    await this.connect(addr, options);
    await expect(this.connectStatus).toHaveAttribute('data-status', 'ok');
    const text = (await this.connectStatus.textContent()) ?? '';
    const m = /#(\d+)/.exec(text);
    if (!m) throw new Error(`no connection id in "${text}"`);
    return Number(m[1]);
  }

  /** Sets the target outbound from the Controls form and waits for the server's answer. */
  async setTargetOutbound(n: number): Promise<void> {
    await this.targetOutbound.fill(String(n));
    await this.setTargetButton.click();
    await expect(this.targetStatus).toContainText(`Target outbound is now ${n}`);
  }

  // ---- lab ----

  /** The lab's per-peer "Use address of pN" button (exact: "p1" is part of "p10"). */
  useAddressOf(peerId: string): Locator {
    return this.lab.getByRole('button', { name: `Use address of ${peerId}`, exact: true });
  }

  /** The lab's per-peer "Stop peer pN" button (present while the peer runs). */
  stopPeerButton(peerId: string): Locator {
    return this.lab.getByRole('button', { name: `Stop peer ${peerId}`, exact: true });
  }

  /** The Lab panel's table row of peer `peerId` (found by its "Use address of pN" button). */
  labPeerRow(peerId: string): Locator {
    // `has` is resolved inside each row, so its locator starts from the page, not the region.
    return this.lab.getByRole('row').filter({ has: this.page.getByRole('button', { name: `Use address of ${peerId}`, exact: true }) });
  }

  /** Adds a lab peer of `behaviour` from the Lab panel; returns its id and address. */
  async addLabPeer(behaviour: string): Promise<{ peerId: string; addr: string }> {
    await this.behaviour.selectOption(behaviour);
    await this.addPeerButton.click();
    await expect(this.addPeerStatus).toHaveAttribute('data-status', 'ok');
    const text = (await this.addPeerStatus.textContent()) ?? '';
    const m = /Added (p\d+) \((\w+)\) at (\S+)/.exec(text);
    if (!m) throw new Error(`unexpected add-peer status "${text}"`);
    expect(m[2]).toBe(behaviour);
    return { peerId: m[1]!, addr: m[3]! };
  }

  /**
   * `n` persistent peers that keep failing: each a new `refuse` lab peer (nothing listens on its
   * port), connected as persistent from the Controls form. Returns their connection ids.
   */
  async addFailingPersistentPeers(n: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const peer = await this.addLabPeer('refuse');
      ids.push(await this.connectOk(peer.addr, { persistent: true }));
    }
    return ids;
  }
}
