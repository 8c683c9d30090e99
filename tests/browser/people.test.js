// A MASH practitioner adds a young person of 22 to a new family (refused until their disability
// is recorded), opens the person's page with the family's timeline, records the family's move
// to another locality, and refers the family without consent on a safeguarding override; every
// page passes axe (WCAG 2.2 AA). Screenshots go to the shots folder: look at people--03-person,
// people--06-person-after-the-move and people--09-person-timeline-with-the-override.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('people', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('a_mash_practitioner_reads_a_young_persons_page_and_records_the_familys_move', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'people');
    try {
      // Given a MASH practitioner who records a family in the North (NX1)
      await h.signIn(page, app, 'MASH practitioner');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Families', exact: true }).first());
      await h.clickAndWait(page, page.getByRole('link', { name: 'Record a new family' }));
      await page.getByLabel('First line of the address').fill('7 Timeline Terrace');
      await page.getByLabel('Postcode').fill('NX1 9ZZ');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(await h.h1(page), 'Add a person to the family');

      // When they add a 22-year-old as a young person without recording a disability
      await page.getByLabel('First name').fill('Alex');
      await page.getByLabel('Last name').fill('Timeline');
      await page.getByLabel('Date of birth').fill('1/3/2004');
      await page.getByLabel('Child or young person').check();
      await page.getByLabel('Sex').selectOption('not_known');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Add person' }));

      // Then they are told to record the disability, with what they typed kept
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.equal(await page.getByLabel('First name').inputValue(), 'Alex');
      await check('01-young-person-without-a-disability');

      // and with the disability recorded, the young person is added
      await page.getByLabel('Has a disability').check();
      await h.clickAndWait(page, page.getByRole('button', { name: 'Add person' }));
      if (await page.getByRole('heading', { name: 'People who may be the same person' }).isVisible()) {
        await page.getByLabel('I have checked: none of the people listed is this person').check();
        await h.clickAndWait(page, page.getByRole('button', { name: 'Add person' }));
      }
      assert.match(await h.h1(page), /^Family at 7 Timeline Terrace/);
      assert.ok(await page.getByRole('heading', { name: 'Timeline', exact: true }).isVisible(), 'the family page shows the timeline');
      await check('02-family');

      // When they open the young person's page
      await h.clickAndWait(page, page.getByRole('link', { name: 'Alex Timeline', exact: true }));
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+\/people\/[0-9a-f-]+$/);
      const personPath = h.pathOf(page);
      assert.equal(await h.h1(page), 'Alex Timeline');
      assert.ok(await page.getByText('Has a disability', { exact: true }).first().isVisible());
      assert.ok(await page.getByText(/In early help’s range because of their disability/).isVisible());
      assert.ok(await page.getByRole('heading', { name: 'The family’s timeline' }).isVisible());
      await check('03-person');

      // and go back to the family to record its move to the South (NX5)
      await h.clickAndWait(page, page.getByRole('link', { name: /^Family at 7 Timeline Terrace/ }).first());
      await h.clickAndWait(page, page.getByRole('link', { name: /Record a move/ }));
      assert.equal(await h.h1(page), 'Record a move');
      await page.getByLabel('First line of the new address').fill('2 Moving Mews');
      await page.getByLabel('New postcode').fill('SW1A 1AA');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record the move' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.equal(await page.getByLabel('First line of the new address').inputValue(), '2 Moving Mews', 'what was typed is kept');
      await check('04-move-outside-the-council');
      await page.getByLabel('New postcode').fill('NX5 9ZZ');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record the move' }));

      // Then the family page confirms the move and the change of locality
      assert.match(await h.h1(page), /^Family at 2 Moving Mews/);
      assert.ok(await page.getByText('The family’s locality changed from North to South', { exact: false }).isVisible());
      assert.ok(await page.getByRole('heading', { name: 'Previous addresses', exact: true }).isVisible());
      await check('05-family-after-the-move');

      // and the young person's page shows the move in the timeline
      await page.goto(personPath);
      assert.ok(await page.getByRole('heading', { name: /^Moved to 2 Moving Mews/ }).isVisible());
      assert.ok(await page.getByText('Locality changed from North to South').isVisible());
      await check('06-person-after-the-move');

      // When MASH refers the family, who gave no consent, on a safeguarding override
      await page.goto(personPath);
      await h.clickAndWait(page, page.getByRole('link', { name: /^Family at 2 Moving Mews/ }).first());
      await h.clickAndWait(page, page.getByRole('link', { name: 'Make a referral' }));
      await page.getByLabel('MASH threshold decision').check();
      await page.getByLabel('Why are you referring the family, and what help do they need?').fill('Threshold decision: early help.');
      await page.getByLabel('Refer without the family’s consent').check();
      await page.getByLabel(/^Safeguarding/).check();
      await page.getByLabel('Why is sharing without consent necessary and proportionate?').fill('Risk');
      await check('07-referral-without-consent-form');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Send referral' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.ok(await page.getByLabel('Refer without the family’s consent').isChecked(), 'the override is kept');
      await check('07a-referral-override-too-short');
      await page
        .getByLabel('Why is sharing without consent necessary and proportionate?')
        .fill('The school reports neglect every day and the parents refuse all contact with services.');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Send referral' }));

      // Then the referral says it was made without consent, and the timeline shows it
      assert.match(await h.h1(page), /^Referral: family at 2 Moving Mews/);
      assert.ok(await page.getByRole('heading', { name: 'Made without the family’s consent' }).isVisible());
      await check('08-referral-made-without-consent');
      await page.goto(personPath);
      assert.ok(await page.getByText('Without consent', { exact: true }).first().isVisible());
      await check('09-person-timeline-with-the-override');

      assert.equal(problems.length, 0, `accessibility violations:\n${problems.join('\n\n')}`);
    } finally {
      await context.close();
    }
  });
});
