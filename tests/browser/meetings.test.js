// Business support prepares a meeting's agenda and sends the list of families; an agency
// representative checks their organisation's copy and records what they found. Every page
// passes axe (WCAG 2.2 AA).
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('meetings', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('business_support_adds_a_community_issue_and_sends_the_list_to_members', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'meetings');
    try {
      // Given the business-support officer, signed in
      await h.signIn(page, app, 'Business support officer');
      // When they open Meetings and the first meeting whose agenda is being prepared
      await h.clickAndWait(page, page.getByRole('link', { name: 'Meetings', exact: true }).first());
      assert.equal(await h.h1(page), 'Meetings');
      await check('01-list');
      const planned = page.locator('tr', { hasText: 'Agenda being prepared' }).locator('a.govuk-link').first();
      await h.clickAndWait(page, planned);
      assert.match(await h.h1(page), /^Meeting on /);
      assert.ok(await page.getByText('At least 5 full working days before the meeting').first().isVisible(), 'the rule is beside the date');
      await check('02-meeting');

      // and add a community issue, first forgetting its title
      await page.getByLabel('Community issues').check();
      await h.clickAndWait(page, page.getByRole('button', { name: 'Add to the agenda' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      await check('03-item-without-title');
      await page.getByLabel('Title').fill('Youth provision over the school holidays');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Add to the agenda' }));
      assert.ok(await page.getByRole('cell', { name: /Youth provision over the school holidays/ }).isVisible(), 'on the agenda');

      // Then they send the list, and the meeting says so
      await h.clickAndWait(page, page.getByRole('button', { name: 'Send the list to members now' }));
      assert.ok(await page.getByText('List sent to members').first().isVisible(), 'sent');
      await check('04-sent');
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('an_agency_representative_records_what_checking_their_systems_found', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'meeting-copy');
    try {
      // Given an agency representative whose organisation sits on a panel
      await h.signIn(page, app, 'Agency representative');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Meetings', exact: true }).first());
      const sent = page.locator('tr', { hasText: 'List sent to members' }).locator('a.govuk-link').first();
      await h.clickAndWait(page, sent);
      // When they open their organisation's list
      await h.clickAndWait(page, page.getByRole('link', { name: 'Your organisation’s list of families to check' }));
      assert.match(await h.h1(page), /^List of families for /);
      await check('01-copy');
      const save = page.getByRole('button', { name: /^Save the check/ }).first();
      assert.ok(await save.isVisible(), 'the demo list has a family to check');
      // and save a check without choosing what they found
      await h.clickAndWait(page, save);
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      await check('02-check-without-outcome');
      // Then choosing an outcome saves it
      const card = page.locator('.govuk-summary-card').first();
      await card.getByLabel('Checked our systems: information to bring').check();
      await card.getByLabel('Note for the chair (optional)').fill('Known to the family support team since the spring');
      await h.clickAndWait(page, card.getByRole('button', { name: /^Save the check/ }));
      assert.ok(await page.locator('.govuk-summary-card').first().getByLabel('Checked our systems: information to bring').isChecked(), 'saved');
      await check('03-checked');
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
