// One panel cycle through the pages, as the people who run it work: the chair accepts a
// referral for the proposed meeting; business support finds the case on that meeting's
// agenda and sends the list of families to members; the chair signs the confidentiality
// declaration, opens the closed part, records the decision with its reasons and agrees an
// action; business support reads the action notes, downloads them as a PDF, and downloads the
// families-discussed spreadsheet, which is opened and checked. (Marking the notes sent comes
// after the meeting day; the acceptance suite moves the clock for it.) Every page passes axe
// (WCAG 2.2 AA). The same cycle on both engines, with the clock moved around a bank holiday
// and the overdue reminder, is in crates/acceptance/tests/acceptance/http_meetings.rs.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('a panel cycle', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('a_referral_accepted_by_the_chair_is_circulated_decided_noted_and_reported', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'cycle');
    try {
      // Given the chair accepts the first referral waiting for screening
      await h.signIn(page, app, 'Panel chair / co-ordinator');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Referrals', exact: true }).first());
      await h.clickAndWait(page, page.locator('#screening + table tbody a.govuk-link').first());
      const address = (await h.h1(page)).replace(/^Referral: family at /, '');
      const proposed = await page.getByLabel('Accept for a panel meeting').inputValue();
      const meetingDate = h.longDate(proposed.split('/')[1]);
      await h.clickAndWait(page, page.getByRole('button', { name: 'Accept for panel' }));
      assert.ok(await page.getByText('Accepted for panel').first().isVisible(), 'accepted');
      await check('01-accepted');
      // and the referral links to the meeting that will discuss it
      const meetingLink = page.getByRole('link', { name: `meeting on ${meetingDate.replace(/^\w+ /, '')}` });
      const meetingPath = await meetingLink.getAttribute('href');
      assert.match(meetingPath, /^\/meetings\/[0-9a-f-]{36}$/);
      await h.signOut(page);

      // When business support opens that meeting, the case is on its agenda
      await h.signIn(page, app, 'Business support officer');
      await page.goto(meetingPath);
      assert.equal(await h.h1(page), `Meeting on ${meetingDate}`);
      assert.ok(await page.getByRole('link', { name: `Family at ${address}` }).isVisible(), 'the case is on the agenda');
      await check('02-agenda');
      // and they send the list of families to members
      await h.clickAndWait(page, page.getByRole('button', { name: 'Send the list to members now' }));
      assert.ok(await page.getByText('List sent to members').first().isVisible(), 'sent');
      await check('03-sent');
      await h.signOut(page);

      // Then the chair signs the declaration, and only then opens the closed part
      await h.signIn(page, app, 'Panel chair / co-ordinator');
      const refused = await page.goto(`${meetingPath}/closed`);
      assert.equal(refused.status(), 403, 'the closed part waits for the declaration');
      await page.goto(meetingPath);
      await h.clickAndWait(page, page.getByRole('button', { name: 'I agree: sign the declaration' }));
      // (signing opens the closed part straight away)
      assert.equal(await h.h1(page), 'Closed part of the meeting');
      const card = page.locator('.govuk-summary-card', { hasText: `Family at ${address}` });
      assert.equal(await card.count(), 1, 'the accepted case is in the closed part');
      await check('04-closed');

      // and records the decision, first without its reasons
      await card.getByLabel('Close to the panel').check();
      await h.clickAndWait(page, card.getByRole('button', { name: /^Record the decision/ }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      await check('05-decision-without-reasons');
      const again = page.locator('.govuk-summary-card', { hasText: `Family at ${address}` });
      assert.ok(await again.getByLabel('Close to the panel').isChecked(), 'the choice is kept');
      await again.getByLabel('Reasons').fill('The school’s support plan meets the needs the referral raised.');
      await h.clickAndWait(page, again.getByRole('button', { name: /^Record the decision/ }));
      const decided = page.locator('.govuk-summary-card', { hasText: `Family at ${address}` });
      assert.ok(await decided.getByText('The school’s support plan meets the needs the referral raised.').isVisible(), 'decided');

      // and agrees an action with an owner and a due date
      await decided.locator('summary', { hasText: 'Add an action' }).click();
      await decided.getByLabel('What is to be done').fill('Share the attendance record with the school nurse');
      await decided.getByLabel('Who will do it').selectOption({ index: 1 });
      await decided.getByLabel('Due by').fill('15/01/2027');
      await h.clickAndWait(page, decided.getByRole('button', { name: 'Add the action' }));
      const withAction = page.locator('.govuk-summary-card', { hasText: `Family at ${address}` });
      assert.ok(await withAction.getByText(/Share the attendance record with the school nurse/).isVisible(), 'the action is agreed');
      await check('06-decided');
      await h.signOut(page);

      // When business support reads the action notes, they hold the decision and the action
      await h.signIn(page, app, 'Business support officer');
      await page.goto(meetingPath);
      await h.clickAndWait(page, page.getByRole('button', { name: 'I agree: sign the declaration' }));
      await page.goto(meetingPath);
      await h.clickAndWait(page, page.getByRole('link', { name: 'Action notes' }));
      assert.ok(await page.getByRole('heading', { name: new RegExp(`family at ${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).isVisible(), 'the case is in the notes');
      assert.ok(await page.getByText('Share the attendance record with the school nurse').first().isVisible());
      const pdf = await h.download(page, page.getByRole('link', { name: 'Download the notes as a PDF' }));
      assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the notes download as a PDF');
      await check('07-notes');

      // Then the families-discussed spreadsheet opens and holds the family's row
      await page.goto('/reports/families-discussed');
      const [y, m, d] = proposed.split('/')[1].split('-');
      await page.getByLabel('Until').fill(`${d}/${m}/${y}`);
      await h.clickAndWait(page, page.getByRole('button', { name: 'Show families' }));
      assert.ok(await page.getByRole('link', { name: address }).isVisible(), 'the family is in the report');
      await check('08-report');
      const xlsx = await h.download(page, page.getByRole('link', { name: 'Download (XLSX)' }));
      assert.match(xlsx.name, /\.xlsx$/);
      const strings = h.xlsxPart(xlsx.bytes, 'xl/sharedStrings.xml');
      assert.ok(strings.includes(address.replace(/&/g, '&amp;').replace(/'/g, '&apos;')), 'the family is in the spreadsheet');
      assert.ok(strings.includes('Close to the panel'), 'with its decision');
      assert.ok(strings.includes('Share the attendance record with the school nurse'), 'and its action');
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
