// An administrator sets a panel up through the real form: a first attempt with problems is
// refused with each beside its field and what was typed kept, then the panel is saved and
// listed. Every page passes axe (WCAG 2.2 AA).
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('panels', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('administrator_sets_up_a_panel_after_putting_right_what_the_form_refused', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'panels');
    try {
      // Given an administrator, signed in with a second factor, on the panels page
      await h.signIn(page, app, 'Administrator');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Panels', exact: true }).first());
      assert.equal(await h.h1(page), 'Panels');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Set up a panel' }));
      assert.equal(await h.h1(page), 'Set up a panel');
      await check('01-new');

      // When they save it with the end before the start and no chair
      await page.getByLabel('Name', { exact: true }).fill('Harbourside early help panel');
      await page.getByLabel('Early help multi-agency panel').check();
      await page.getByLabel('Locality it serves').selectOption({ index: 1 });
      await page.getByLabel('Day of the week').selectOption('wednesday');
      await page.getByLabel('Start time').fill('14:00');
      await page.getByLabel('End time').fill('13:00');
      await page.getByLabel('Venue', { exact: true }).fill('Harbourside Family Hub');
      await page.getByLabel('Business-support officer').selectOption({ index: 1 });
      await page.getByLabel('Conflict-of-interest statement').fill('Members declare any conflict of interest before each case.');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Save panel' }));

      // Then both problems are listed and shown beside their fields, with what was typed kept
      const summary = await h.errorSummary(page);
      assert.equal(summary?.title, 'There is a problem');
      assert.deepEqual(summary?.items, ['The end time must be after the start time', 'Choose at least one chair']);
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Harbourside early help panel');
      assert.equal(await page.getByLabel('Start time').inputValue(), '14:00');
      await check('02-refused');

      // When they put them right
      await page.getByLabel('End time').fill('16:00');
      await page.getByLabel('First chair').selectOption({ index: 1 });
      await h.clickAndWait(page, page.getByRole('button', { name: 'Save panel' }));

      // Then the panel is saved and listed with its cadence
      assert.equal(await h.h1(page), 'Panels');
      assert.ok(await page.getByText('Harbourside early help panel saved.').isVisible(), 'the banner says so');
      assert.ok(await page.getByText('Every Wednesday, 2pm to 4pm').isVisible(), 'listed with when it meets');
      await check('03-saved');
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
