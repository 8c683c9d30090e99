// The meeting in the room, as a chair and an attendee use it. The demo's chair's panel meets
// today on any working day (the demo moves its next meeting here), so: the chair signs the
// declaration, opens the live view and opens the first case, whose slot timer counts down in
// the page; an agency representative who signed too follows the meeting and, without
// reloading, sees the case change when the chair opens the next one. Every page passes axe.
// On a weekend or bank holiday there is no meeting today, and the live view says cases open on
// the meeting's day. The rules behind it (304s, consent exclusions, anonymous cases) are
// tested on both engines in crates/acceptance/tests/acceptance/http_live.rs.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('the meeting in the room', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('the_chair_opens_cases_one_at_a_time_and_an_attendee_following_sees_the_case_change', async () => {
    const chair = await h.newPage(browser, app);
    const attendee = await h.newPage(browser, app);
    const chairCheck = h.checker(chair.page, 'live-chair');
    const attendeeCheck = h.checker(attendee.page, 'live-attendee');
    try {
      const page = chair.page;
      await h.signIn(page, app, 'Panel chair / co-ordinator');
      await page.goto('/meetings');
      const today = h.todayInLondon();
      const todays = page.getByRole('link', { name: today });
      if ((await todays.count()) === 0) {
        // No meeting today (a weekend or bank holiday): the live view waits for the day
        await h.clickAndWait(page, page.locator('a[href^="/meetings/"]').filter({ hasText: /\d{4}$/ }).first());
        const sign = page.getByRole('button', { name: 'I agree: sign the declaration' });
        if (await sign.count()) await h.clickAndWait(page, sign);
        await page.goto(`${h.pathOf(page).replace(/\/closed$/, '')}/live`);
        assert.ok(await page.getByText('Cases can be opened for discussion on the day of the meeting').isVisible());
        await chairCheck.check('00-not-today');
        return;
      }

      // Given the chair signs the declaration for today's meeting and opens the live view
      await h.clickAndWait(page, todays.first());
      const meetingPath = h.pathOf(page);
      await h.clickAndWait(page, page.getByRole('button', { name: 'I agree: sign the declaration' }));
      await page.goto(`${meetingPath}/live`);
      assert.equal(await h.h1(page), 'Chairing the meeting');
      const cases = page.getByRole('navigation', { name: 'Cases' }).getByRole('link');
      assert.ok((await cases.count()) >= 3, 'the demo meeting has several cases (and the link to all of them)');
      const first = (await page.locator('#case h2').textContent()).replace(/^1 of \d+\. /, '').trim();
      await chairCheck.check('01-live');

      // When the chair opens the first case, its timer starts and counts down in the page
      await h.clickAndWait(page, page.getByRole('button', { name: /^Open this case for discussion/ }));
      const timer = page.getByRole('timer');
      assert.match(await timer.textContent(), /^1[45] min \d+ s left$/);
      const read = await timer.textContent();
      await page.waitForFunction((was) => document.querySelector('[role=timer]').textContent !== was, read, { timeout: 5000 });
      await chairCheck.check('02-case-open');

      // Then an agency representative who signed the declaration follows the meeting
      const a = attendee.page;
      await h.signIn(a, app, 'Agency representative');
      await a.goto(meetingPath);
      await h.clickAndWait(a, a.getByRole('button', { name: 'I agree: sign the declaration' }));
      await a.goto(`${meetingPath}/follow`);
      assert.equal(await h.h1(a), 'Following the meeting');
      assert.equal((await a.locator('#now h2').textContent()).trim(), `Now discussing: ${first}`);
      await attendeeCheck.check('03-follow');

      // and when the chair moves to the next case, the attendee's page changes by itself
      await h.clickAndWait(page, page.getByRole('link', { name: 'Next case' }));
      const second = (await page.locator('#case h2').textContent()).replace(/^2 of \d+\. /, '').trim();
      assert.notEqual(second, first);
      await h.clickAndWait(page, page.getByRole('button', { name: /^Open this case for discussion/ }));
      await a.waitForFunction(
        (want) => document.querySelector('#now h2')?.textContent.trim() === want,
        `Now discussing: ${second}`,
        { timeout: 12_000 },
      );
      assert.equal(await a.locator('#now [role=timer]').count(), 1, 'the follower sees the slot timer too');
      await attendeeCheck.check('04-follow-changed');
    } finally {
      await chair.context.close();
      await attendee.context.close();
    }
    assert.deepEqual([...chairCheck.problems, ...attendeeCheck.problems], []);
  });
});
