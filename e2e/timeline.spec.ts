/**
 * The timeline's input wiring, end to end: its keyboard map on the lanes listbox, the wheel, a
 * drag and a tap on the canvas. The rules behind them are unit-tested in web/src/lib/timeline
 * (follow-window, gestures, keys); this checks that the page feeds them real events.
 */
import { expect, test } from './fixtures.ts';

test('keys on the lanes: arrows select, + and - zoom, Space pauses, Home follows, ← pans back and pauses, Escape clears', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.timelineLanes).not.toHaveCount(0);
  const lanes = page.getByRole('listbox', { name: 'Timeline lanes' });
  const span = dashboard.timeline.getByTitle('Visible time window');
  await lanes.focus();

  // The lab's churn may add lanes at the top meanwhile: look for the selected one, not a position.
  const selected = dashboard.timelineLanes.and(page.locator('[aria-selected="true"]'));
  await page.keyboard.press('ArrowDown');
  await expect(selected).toHaveCount(1);

  await expect(span).toHaveText('5 min');
  await page.keyboard.press('+');
  await expect(span).toHaveText('2 min 30 s');
  await page.keyboard.press('-');
  await expect(span).toHaveText('5 min');
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'true');

  await page.keyboard.press(' ');
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'false');
  await page.keyboard.press('Home');
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'false');
  await page.keyboard.press('Home');

  await page.keyboard.press('Escape');
  await expect(selected).toHaveCount(0);
});

test('canvas: ctrl+wheel zooms, a vertical drag keeps following, a sideways drag pauses, a tap on a label selects', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.timelineLanes).not.toHaveCount(0);
  const canvas = dashboard.timeline.locator('canvas');
  await canvas.scrollIntoViewIfNeeded();
  /** A point in the canvas's first lane, `x` px from its left (negative: from its right), measured now: the page may have scrolled. */
  const at = async (x: number, dy = 0): Promise<[number, number]> => {
    const box = (await canvas.boundingBox())!;
    return [box.x + (x < 0 ? box.width + x : x), box.y + 32 + 14 + dy]; // 32: the axis band, 14: half a lane
  };
  const span = dashboard.timeline.getByTitle('Visible time window');

  await page.mouse.move(...(await at(-100)));
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, 300);
  await page.keyboard.up('Control');
  await expect(span).not.toHaveText('5 min');
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'true');

  const [x, y] = await at(-120, 10);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 1, y + 30, { steps: 4 });
  await page.mouse.up();
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'true');

  const [x2, y2] = await at(-200);
  await page.mouse.move(x2, y2);
  await page.mouse.down();
  await page.mouse.move(x2 + 80, y2, { steps: 4 });
  await page.mouse.up();
  await expect(dashboard.timeline).toHaveAttribute('data-following', 'false');
  await expect(dashboard.timeline.getByTestId('timeline-status')).toContainText('Paused at');

  const [first] = await dashboard.timelineLaneIds(); // paused: the lanes stand still
  await page.mouse.click(...(await at(40)));
  await expect(dashboard.timelineLane(first!)).toHaveAttribute('aria-selected', 'true');
});
