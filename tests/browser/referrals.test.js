// A panel chair screens referrals: opens the queue, returns one (first forgetting to say
// why), accepts another for the proposed meeting; every page passes axe (WCAG 2.2 AA).
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('referrals', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('a_chair_returns_one_referral_and_accepts_another_for_the_proposed_meeting', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'referrals');
    try {
      // Given a panel chair, signed in, whose home page says referrals are waiting
      await h.signIn(page, app, 'Panel chair / co-ordinator');
      assert.ok(await page.getByRole('link', { name: /^Screen \d+ referrals? for your panels$/ }).isVisible(), 'a home-page task');

      // When they open Referrals from the navigation
      await h.clickAndWait(page, page.getByRole('link', { name: 'Referrals', exact: true }).first());
      assert.equal(h.pathOf(page), '/referrals');
      assert.equal(await h.h1(page), 'Referrals');
      await check('01-queues');
      const waiting = page.locator('#screening + table tbody a.govuk-link');
      assert.ok((await waiting.count()) >= 2, 'the demo chair has referrals to screen');

      // and return the first without saying why
      await h.clickAndWait(page, waiting.first());
      assert.match(await h.h1(page), /^Referral: family at /);
      await check('02-referral');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Return to referrer' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      await check('03-return-without-reason');
      await page.getByLabel('Return to the referrer: what must they put right?').fill('Please add the family’s own view of what would help.');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Return to referrer' }));
      assert.ok(await page.getByText('Returned to referrer').first().isVisible(), 'returned');
      assert.ok(await page.getByRole('cell', { name: /Please add the family’s own view/ }).isVisible(), 'the reason is in the history');

      // Then the next one is accepted for the meeting proposed
      await h.clickAndWait(page, page.getByRole('link', { name: 'Referrals', exact: true }).first());
      await h.clickAndWait(page, page.locator('#screening + table tbody a.govuk-link').first());
      const proposed = await page.getByLabel('Accept for a panel meeting').inputValue();
      assert.match(proposed, /^[0-9a-f-]+\/\d{4}-\d{2}-\d{2}$/, 'a meeting is proposed');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Accept for panel' }));
      assert.ok(await page.getByText('Accepted for panel').first().isVisible(), 'accepted');
      await check('04-accepted');
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
