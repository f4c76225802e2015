/**
 * The graph's pointer gestures in a real browser: a drag pans by its whole movement, the wheel
 * zooms about the pointer, "Fit" brings the view back, and a click on empty canvas clears the
 * selection. The view is read from where the canvas drew the centre node's caption (the mirror's
 * `data-text-boxes`), which sits at the view's origin whatever the peers do.
 */
import { expect, test } from './fixtures.ts';
import { TARGET_OUTBOUND } from './lab-server.ts';

/** How far (px) from the first auto-fitted place the drag or "Fit" may put the centre caption (see below). */
const FIT_SLACK_PX = 2;

test('the graph pans by dragging, zooms about the pointer, Fit brings it back, a click on empty canvas clears the selection', async ({
  sharedServer,
  dashboard,
  page,
}) => {
  await dashboard.open(sharedServer);
  await expect(dashboard.graphOptions({ type: 'outbound', state: 'established' })).toHaveCount(TARGET_OUTBOUND);
  const canvas = page.locator('#graph-pane canvas');
  const pane = (await canvas.boundingBox())!;
  const centre = async (): Promise<{ x: number; y: number }> => {
    const c = (await dashboard.graphText()).captions.find((t) => t.what === 'caption center');
    if (!c) throw new Error('no centre caption drawn');
    return { x: c.box.cx, y: c.box.cy };
  };
  // Auto-fit keeps the centre node in the middle of the pane, however the peers change.
  const fitted = await centre();
  const offset = (from: { x: number; y: number }) => async (): Promise<{ dx: number; dy: number }> => {
    const c = await centre();
    // `+ 0`: a sub-pixel offset rounds to -0, which toEqual tells apart from 0.
    return { dx: Math.round(c.x - from.x) + 0, dy: Math.round(c.y - from.y) + 0 };
  };
  const moved = offset(fitted);

  // Drag from an empty corner by (80, 40), in steps: the view follows the whole movement. Auto-fit
  // may still ease by a pixel until the drag's first move turns it off, so the exact check is
  // made from the view half way through the drag.
  await page.mouse.move(pane.x + 10, pane.y + 10);
  await page.mouse.down();
  await page.mouse.move(pane.x + 50, pane.y + 30, { steps: 3 });
  await dashboard.nextFrames();
  const halfway = offset(await centre());
  await page.mouse.move(pane.x + 90, pane.y + 50, { steps: 3 });
  await page.mouse.up();
  await expect.poll(halfway).toEqual({ dx: 40, dy: 20 });
  const whole = await moved();
  expect(Math.max(Math.abs(whole.dx - 80), Math.abs(whole.dy - 40))).toBeLessThanOrEqual(FIT_SLACK_PX);
  // Auto-fit is off: the view stays where it was put.
  await dashboard.nextFrames();
  expect(await halfway()).toEqual({ dx: 40, dy: 20 });

  // Wheel up 100 px to the right of the centre: zoom in about the pointer, so the centre moves
  // left (zooming about the centre would leave it where it is).
  const before = await centre();
  await page.mouse.move(pane.x + before.x + 100, pane.y + before.y);
  await page.mouse.wheel(0, -200);
  await expect.poll(async () => (await centre()).x).toBeLessThan(before.x - 10);

  // Fit fits the peers as they are now: the shared lab may have changed them since `fitted`, and
  // a different scale moves the caption under the centre node by a pixel. Back within FIT_SLACK_PX.
  await page.getByRole('button', { name: 'Fit graph to view' }).click();
  await expect
    .poll(async () => {
      const { dx, dy } = await moved();
      return Math.max(Math.abs(dx), Math.abs(dy));
    })
    .toBeLessThanOrEqual(FIT_SLACK_PX);

  // A click on empty canvas selects nothing.
  const [id] = await dashboard.idsOf(dashboard.graphOptions({ type: 'outbound', state: 'established' }));
  await dashboard.select(id!);
  await expect(dashboard.graphOption(id!)).toHaveAttribute('aria-selected', 'true');
  await page.mouse.click(pane.x + 10, pane.y + 10);
  await expect(dashboard.graph.locator('[role="option"][aria-selected="true"]')).toHaveCount(0);
});
