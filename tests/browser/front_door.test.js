// A MASH practitioner at the front door records a new family and its first person (first with
// an NHS number that fails its check digit), is refused a referral until the family's consent
// is recorded, then refers the family on MASH's threshold decision; every page passes axe
// (WCAG 2.2 AA).
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('front door', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('a_mash_practitioner_records_a_family_adds_a_child_and_refers_them', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'front-door');
    try {
      await h.signIn(page, app, 'MASH practitioner');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Families', exact: true }).first());
      await h.clickAndWait(page, page.getByRole('link', { name: 'Record a new family' }));
      assert.equal(await h.h1(page), 'Record a new family');

      // A postcode outside the council is refused, keeping the address typed
      await page.getByLabel('First line of the address').fill('12 Example Row');
      await page.getByLabel('Postcode').fill('SW1A 1AA');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.equal(await page.getByLabel('First line of the address').inputValue(), '12 Example Row');
      await check('01-family-outside-the-council');
      await page.getByLabel('Postcode').fill('nx1 9zz');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(await h.h1(page), 'Add a person to the family');

      // An NHS number whose check digit is wrong is refused with what is wrong
      await page.getByLabel('First name').fill('Robin');
      await page.getByLabel('Last name').fill('Example');
      await page.getByLabel('Date of birth').fill('3/4/2016');
      await page.getByLabel('Child or young person').check();
      await page.getByLabel('Sex').selectOption('not_known');
      await page.getByLabel('NHS number').fill('943 476 5918');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Add person' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      await check('02-person-with-a-bad-nhs-number');
      await page.getByLabel('NHS number').fill('');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Add person' }));
      if (await page.getByRole('heading', { name: 'People who may be the same person' }).isVisible()) {
        await check('02a-possible-matches');
        await page.getByLabel('I have checked: none of the people listed is this person').check();
        await h.clickAndWait(page, page.getByRole('button', { name: 'Add person' }));
      }
      assert.match(await h.h1(page), /^Family at 12 Example Row/);
      assert.ok(await page.getByRole('cell', { name: 'Robin Example', exact: true }).isVisible(), 'the child is on the family page');
      await check('03-family');

      // A referral without the family's consent is refused, keeping what was typed
      const familyPath = h.pathOf(page);
      await h.clickAndWait(page, page.getByRole('link', { name: 'Make a referral' }));
      await check('04-referral-form');
      await page.getByLabel('MASH threshold decision').check();
      const reason = 'Threshold decision: early help. The family asks for help with routines.';
      await page.getByLabel('Why are you referring the family, and what help do they need?').fill(reason);
      await h.clickAndWait(page, page.getByRole('button', { name: 'Send referral' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.equal(await page.getByLabel('Why are you referring the family, and what help do they need?').inputValue(), reason);
      await check('04a-referral-without-consent');

      // so MASH records the consent it gathered, then refers the family on its threshold decision
      await page.goto(familyPath);
      await h.clickAndWait(page, page.getByRole('link', { name: 'Record consent' }));
      await page.locator('input[name="given_by"]').first().check();
      await page.getByLabel('Written').check();
      await page.getByLabel('Review consent with the family by').fill('1/11/2027');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record consent' }));
      assert.equal(h.pathOf(page), familyPath);
      await h.clickAndWait(page, page.getByRole('link', { name: 'Make a referral' }));
      await page.getByLabel('MASH threshold decision').check();
      await page.getByLabel('Why are you referring the family, and what help do they need?').fill(reason);
      await h.clickAndWait(page, page.getByRole('button', { name: 'Send referral' }));
      assert.match(await h.h1(page), /^Referral: family at 12 Example Row/);
      assert.ok(await page.getByText('Awaiting screening').first().isVisible());
      await check('05-referral');
    } finally {
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
