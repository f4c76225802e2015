/**
 * Lessons (README "Lessons"): an instructor picks one in the page, steps through it to the end —
 * the narration, the rules shown and the manager's events change with each step — and ends it.
 */
import { expect, test } from './fixtures.ts';

test('run a lesson start to end: pick, start, every step with its narration, rules and events, back, end', async ({
  server,
  dashboard,
  page,
}) => {
  test.setTimeout(90_000); // three steps, a help dialog, an axe scan and a rebuild
  await dashboard.open(server);
  await expect(dashboard.lessonStep).toHaveCount(0);
  await dashboard.lessonPick.selectOption({ label: 'Disconnect vs remove' });
  await dashboard.startLessonButton.click();
  await expect(dashboard.lessonStatus).toContainText('Started “Disconnect vs remove”: step 1 of 3');

  // Step 1: three kinds of connection, each dialed by its own rule.
  await expect(dashboard.lessonProgress).toHaveText('Step 1 of 3');
  await expect(dashboard.lessonStep.getByRole('heading', { name: 'Three kinds of connection' })).toBeVisible();
  await expect(dashboard.lessonNarration).toContainText('a persistent entry, a one-shot manual connection');
  await expect(dashboard.previousStepButton).toBeDisabled();
  for (const rule of ['persistent-add', 'connect-request', 'outbound-fill']) await expect(dashboard.lessonRuleLink(rule)).toBeVisible();
  // The rule's README words beside the link, and the link opens the help at that rule.
  await expect(dashboard.lessonStep.getByRole('listitem').filter({ hasText: 'connect-request' })).toContainText('starts its one dial');
  await dashboard.lessonRuleLink('persistent-add').click();
  await expect(page.getByRole('dialog').locator('#rule-persistent-add')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dashboard.helpDialog).toBeHidden();
  await expect.poll(async () => (await server.conns()).filter((c) => c.state === 'established').length).toBe(3);
  const persistent = (await server.conns()).find((c) => c.persistent)!;
  await dashboard.filter.fill(`kind:conn:state id:${persistent.id}`);
  await expect(
    dashboard.logEntries(`#${persistent.id} persistent manual ${persistent.addr}: pending → established (dial-succeeded)`),
  ).toHaveCount(1);

  // Step 2: disconnect() — the persistent entry backs off and comes back with the same id.
  await dashboard.nextStepButton.click();
  await expect(dashboard.lessonProgress).toHaveText('Step 2 of 3');
  await expect(dashboard.lessonStep.getByRole('heading', { name: 'disconnect()' })).toBeVisible();
  await expect(dashboard.lessonNarration).toContainText('The manual one is gone (rule disconnect)');
  await expect(dashboard.lessonRuleLink('disconnect')).toBeVisible();
  await expect(
    dashboard.logEntries(`#${persistent.id} persistent manual ${persistent.addr}: established → failing (local-disconnect); attempt 1`),
  ).toHaveCount(1);
  await expect(dashboard.logEntries(`#${persistent.id} persistent manual ${persistent.addr}: failing → pending (retry)`)).toHaveCount(1);
  // The details say the rule in words.
  await dashboard.select(persistent.id);
  await expect(dashboard.details).toContainText('a disconnect of a persistent peer always backs off');
  await expect(dashboard.lessonLog).toContainText(`disconnect #${persistent.id} (persistent): ok`);
  expect(await dashboard.accessibilityViolations()).toEqual([]);

  // Step 3: remove() — gone for good; the last step has no Next.
  await dashboard.nextStepButton.click();
  await expect(dashboard.lessonProgress).toHaveText('Step 3 of 3');
  await expect(dashboard.lessonNarration).toContainText('remove() closes it and forgets it');
  await expect(dashboard.lessonRuleLink('remove')).toBeVisible();
  await expect(dashboard.nextStepButton).toBeDisabled();
  await expect(
    dashboard.logEntries(`#${persistent.id} persistent manual ${persistent.addr}: established → disconnected (local-remove)`),
  ).toHaveCount(1);
  await expect.poll(async () => (await server.conns()).some((c) => c.id === persistent.id)).toBe(false);

  // Previous rebuilds step 2's scene (a new persistent entry); End leaves the scene and clears the panel.
  await dashboard.previousStepButton.click();
  await expect(dashboard.lessonProgress).toHaveText('Step 2 of 3');
  await expect(dashboard.lessonStatus).toContainText('Step 2 of 3: disconnect()');
  await dashboard.endLessonButton.click();
  await expect(dashboard.lessonStatus).toContainText('Lesson ended');
  await expect(dashboard.lessonStep).toHaveCount(0);
  await expect.poll(async () => (await server.snapshot()).lab?.lesson).toBeUndefined();
});

test('--lesson starts the lesson with the server; a read-only viewer follows it without the controls', async ({
  launchServer,
  dashboard,
}) => {
  const server = await launchServer(['--lesson', 'inbound-flood', '--token', 'lesson-token']);
  await dashboard.open(server); // no token: read-only
  await expect(dashboard.lessonProgress).toHaveText('Step 1 of 3');
  await expect(dashboard.lessonStep.getByRole('heading', { name: 'Policy shed' })).toBeVisible();
  await expect(dashboard.lessonRuleLink('inbound-limit-shed')).toBeVisible();
  await expect(dashboard.lessonPick).toHaveValue('inbound-flood'); // the picker shows the lesson that runs
  await expect(dashboard.lessons).toContainText('Lesson controls disabled');
  await expect(dashboard.nextStepButton).toBeDisabled();
  await expect(dashboard.startLessonButton).toBeDisabled();
  // What the step promises shows up: the flood is shed.
  await dashboard.filter.fill('kind:inbound:rejected');
  await expect(dashboard.logRows.first()).toBeVisible();
  await expect(dashboard.logRows.first()).toHaveAccessibleName(/limit/);
});
