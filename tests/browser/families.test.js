// A lead professional finds the families they work with, searches by name and opens a
// family's page; months after a plan closed they confirm its progress held, and the chair
// finds the claims list; a stuck plan brought back to panel reaches the chair's next agenda.
// Every page passes axe (WCAG 2.2 AA). Screenshots go to the shots folder.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('families', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('a_lead_professional_finds_a_family_by_name_and_reads_its_page', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'families');
    try {
      // Given a lead professional, signed in
      await h.signIn(page, app, 'Lead professional');

      // When they open Families from the navigation
      await h.clickAndWait(page, page.getByRole('link', { name: 'Families', exact: true }).first());
      assert.equal(h.pathOf(page), '/families');
      assert.equal(await h.h1(page), 'Families');
      await check('01-families');
      const first = page.locator('table.govuk-table tbody a.govuk-link').first();
      assert.ok((await first.count()) > 0, 'the demo lead professional works with some families');
      const names = (await first.innerText()).trim();

      // and search for the first family by one person's first name, typed in lower case
      const given = names.split(' ')[0].toLowerCase();
      await page.getByLabel('Name of anyone in the family').fill(given);
      await h.clickAndWait(page, page.getByRole('button', { name: 'Search' }));
      assert.equal(h.pathOf(page), '/families', 'the search stays off the URL');
      assert.ok(!page.url().includes(given), 'the name is not in the URL');
      await check('02-families-search');
      await h.clickAndWait(page, page.getByRole('link', { name: names }).first());

      // Then the family's page shows its people, consent, who is involved and sharing log
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+$/);
      assert.match(await h.h1(page), /^Family at /);
      for (const heading of ['People', 'Consent', 'Who is involved', 'Sharing log']) {
        assert.ok(await page.getByRole('heading', { name: heading, exact: true }).isVisible(), `${heading} section`);
      }
      await check('03-family');

      // and record sharing done by phone, first forgetting what was shared
      await h.clickAndWait(page, page.getByRole('link', { name: 'Record sharing done outside Early Help' }));
      assert.equal(await h.h1(page), 'Record sharing');
      await page.getByLabel('Who with').fill('Designated safeguarding lead, Northmere Academy');
      await page.getByLabel('Why').fill('Planning support in school');
      await page.getByLabel('Lawful basis').selectOption('Consent');
      await page.getByLabel('How').selectOption('phone');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record sharing' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.equal(await page.getByLabel('Who with').inputValue(), 'Designated safeguarding lead, Northmere Academy', 'what was typed is kept');
      await check('03a-record-sharing-with-errors');
      await page.getByLabel('What information').fill('Case summary');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record sharing' }));
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+$/);
      assert.ok(await page.getByRole('cell', { name: 'Planning support in school (Consent)' }).isVisible(), 'the entry is in the sharing log');
      await check('03b-family-with-sharing');

      // and record the family's consent, excluding the police, first forgetting the review date
      await h.clickAndWait(page, page.getByRole('link', { name: 'Record consent' }));
      assert.equal(await h.h1(page), 'Record consent');
      await page.locator('input[name="given_by"]').first().check();
      await page.getByLabel('Written').check();
      await page.getByLabel('Northmere Constabulary').check();
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record consent' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      assert.ok(await page.getByLabel('Northmere Constabulary').isChecked(), 'the exclusion is kept');
      await check('03c-record-consent-with-errors');
      await page.getByLabel('Review consent with the family by').fill('1/11/2027');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record consent' }));
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+$/);
      const familyPath = h.pathOf(page);
      assert.ok(await page.getByText('Northmere Constabulary').first().isVisible(), 'the exclusion is on the family page');

      // and then record that the family withdrew it
      await h.clickAndWait(page, page.getByRole('link', { name: 'Record that this consent was withdrawn' }).first());
      assert.equal(await h.h1(page), 'Record that consent was withdrawn');
      await check('03d-withdraw-consent');
      await page.getByLabel(/^Reason/).fill('The family no longer wants support');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record withdrawal' }));
      assert.equal(h.pathOf(page), familyPath);
      assert.ok(await page.locator('.govuk-tag--red').first().isVisible(), 'the consent shows as withdrawn');
      await check('03e-family-after-withdrawal');

      // and a made-up family id is refused without saying whether it exists
      const refused = await page.goto('/families/01900000-0000-7000-8000-000000000000');
      assert.equal(refused.status(), 403);
      await check('04-family-not-available');

      assert.equal(problems.length, 0, `accessibility violations:\n${problems.join('\n\n')}`);
    } finally {
      await context.close();
    }
  });

  it('a_lead_professional_confirms_progress_held_and_the_chair_reads_the_claims_list', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'plans');
    try {
      // Given the demo's lead professional, whose plan closed six months ago, signed in
      await h.signIn(page, app, 'Lead professional');
      const task = page.getByRole('link', { name: /^Confirm whether progress held for the family at / });
      assert.ok(await task.isVisible(), 'the check that has fallen due is on the home page');

      // When they open the check and send it without answering
      await h.clickAndWait(page, task);
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+\/plan\/sustained$/);
      assert.equal(await h.h1(page), 'Confirm whether progress held');
      await check('01-sustain-check');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record the check' }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem');
      await check('02-sustain-check-with-errors');

      // and then answer it: every need held, with the evidence
      const today = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' }).format(new Date());
      await page.getByLabel('Date progress was checked').fill(today);
      for (const held of await page.locator('input[type="radio"][value="yes"]').all()) {
        await held.check();
      }
      await page.getByLabel('The evidence').fill('School census: attendance 97% this term; rent account clear');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Record the check' }));

      // Then the plan says the progress lasted and the family is on the claims list
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+\/plan$/);
      assert.ok(await page.getByText('The check that progress held is recorded').isVisible());
      assert.ok(await page.getByText(/it is on the claims list/).isVisible());
      await check('03-plan-closed-and-checked');
      const home = await page.goto('/');
      assert.ok(home.ok());
      assert.equal(await task.count(), 0, 'the home page no longer asks for the check');

      // and the panel chair finds the claims list under Meetings and downloads it
      await h.signOut(page);
      await h.signIn(page, app, 'Panel chair / co-ordinator');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Meetings', exact: true }).first());
      await h.clickAndWait(page, page.getByRole('link', { name: 'Claims list' }));
      assert.equal(h.pathOf(page), '/reports/claims');
      assert.equal(await h.h1(page), 'Claims list');
      assert.ok((await page.locator('table.govuk-table tbody tr').count()) > 0, 'the demo has families on the list');
      await check('04-claims-list');
      const csv = await h.download(page, page.getByRole('link', { name: 'Download (CSV)' }));
      assert.match(csv.name, /^claims-\d{4}-\d{2}-\d{2}\.csv$/);
      assert.ok(csv.bytes.toString('utf8').startsWith('Family,Family id,Plan opened'), 'the CSV has its headings');

      // and, from Meetings, the dashboards: a chart with its table for each measure, filtered
      await h.clickAndWait(page, page.getByRole('link', { name: 'Meetings', exact: true }).first());
      await h.clickAndWait(page, page.getByRole('link', { name: 'Dashboards' }));
      assert.equal(await h.h1(page), 'Dashboards');
      assert.equal(await page.locator('svg.app-chart').count(), await page.locator('figure.app-figure').count());
      assert.ok((await page.locator('svg.app-chart').count()) >= 3, 'a chart for each measure');
      await check('05-dashboards');
      await page.getByLabel('Period').selectOption('3');
      await h.clickAndWait(page, page.getByRole('button', { name: 'Show the figures' }));
      assert.equal(await page.locator('table.govuk-table').first().locator('tbody tr').count(), 3, 'three months');
      await check('06-dashboards-three-months');

      assert.equal(problems.length, 0, `accessibility violations:\n${problems.join('\n\n')}`);
    } finally {
      await context.close();
    }
  });

  it('a_stuck_plan_brought_back_by_its_lead_professional_reaches_the_chairs_next_agenda_with_its_plan', async () => {
    const { context, page } = await h.newPage(browser, app);
    const { check, problems } = h.checker(page, 'stuck');
    try {
      // Given a lead professional of the demo has brought a stuck plan back to the panel the
      // demo's chair chairs, the chair's home page says so
      await h.signIn(page, app, 'Panel chair / co-ordinator');
      const task = page.getByRole('link', { name: /^Prepare for the stuck plan of the family at / });
      assert.ok(await task.isVisible(), 'the stuck case is on the chair’s home page');
      const address = (await task.innerText()).match(/family at (.+): it is on the agenda/)[1];

      // When the chair opens the meeting and signs its declaration
      await h.clickAndWait(page, task);
      assert.match(h.pathOf(page), /^\/meetings\/[0-9a-f-]+$/);
      await h.clickAndWait(page, page.getByRole('button', { name: 'I agree: sign the declaration' }));

      // Then the closed part shows the case with its plan and what is stuck
      assert.equal(await h.h1(page), 'Closed part of the meeting');
      const card = page.locator('.govuk-summary-card', { hasText: `Family at ${address}` }).filter({ hasText: 'The plan, brought back as stuck' });
      assert.equal(await card.count(), 1, 'the stuck case is on the agenda with its plan');
      assert.ok(await card.getByText(/^What is stuck:/).isVisible());
      assert.ok((await card.locator('table.govuk-table tbody tr').count()) > 0, 'each need with its latest progress');
      await check('01-closed-part-with-stuck-plan');

      // and the plan itself says it is back at panel, and is not offered again
      await h.clickAndWait(page, card.getByRole('link', { name: 'Read the plan' }));
      assert.match(h.pathOf(page), /^\/families\/[0-9a-f-]+\/plan$/);
      assert.ok(await page.getByText(/^Back at panel as a stuck case/).isVisible());
      assert.equal(await page.getByRole('link', { name: /^Bring the plan back to panel/ }).count(), 0);
      await check('02-plan-back-at-panel');

      assert.equal(problems.length, 0, `accessibility violations:\n${problems.join('\n\n')}`);
    } finally {
      await context.close();
    }
  });
});
