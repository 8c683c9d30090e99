// axe-core (WCAG 2.2 AA rules) on every page a new administrator visits.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('accessibility', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('every_page_a_new_user_visits_has_no_accessibility_violations', async (t) => {
    const { context, page } = await h.newPage(browser, app);
    const shoot = h.screenshotter(page, 'a11y');
    const problems = [];
    const checked = [];
    let n = 0;

    /** Screenshots the current page and runs axe on it. */
    async function check(name, { expectH1 } = {}) {
      n += 1;
      const label = `${String(n).padStart(2, '0')}-${name}`;
      await shoot(label);
      if (expectH1 !== undefined) {
        assert.equal(await h.h1(page), expectH1, `${name}: heading`);
      }
      const violations = await h.axeViolations(page);
      checked.push(`${label} ${h.pathOf(page)}: ${violations.length} violation(s)`);
      if (violations.length) problems.push(h.formatViolations(`${name} (${h.pathOf(page)})`, violations));
    }

    async function visit(path, name, opts) {
      const response = await page.goto(path);
      assert.ok(response.ok(), `${path} answered ${response.status()}`);
      assert.equal(h.pathOf(page), path.split('?')[0], `${path} redirected to ${page.url()}`);
      await check(name, opts);
    }

    async function submitEmpty(buttonName, name) {
      await h.clickAndWait(page, page.getByRole('button', { name: buttonName }));
      assert.equal((await h.errorSummary(page))?.title, 'There is a problem', `${name}: error summary`);
      await check(name);
    }

    try {
      // Given a new administrator, signed out
      const { email } = app.account('Administrator');
      await page.goto('/sign-in');
      await check('sign-in', { expectH1: 'Sign in to Early Help' });
      await h.submitSignIn(page, email, 'a-wrong-password');
      await check('sign-in-wrong-password');

      // When they sign in for the first time and set up their second factor
      await h.submitSignIn(page, email, app.password);
      assert.equal(h.pathOf(page), '/account/second-factor');
      await check('second-factor-setup', { expectH1: 'Set up your second factor' });
      await submitEmpty('Turn on second factor', 'second-factor-setup-with-errors');
      const { secret } = await h.enrolSecondFactor(page);
      app.secrets.set(email, secret);
      await check('second-factor-recovery-codes', { expectH1: 'Second factor turned on' });
      await h.clickAndWait(page, page.getByRole('link', { name: 'Continue to Early Help' }));

      // and visit every page of the service
      assert.equal(h.pathOf(page), '/');
      await check('home');
      await visit('/panels', 'panels', { expectH1: 'Panels' });
      await visit('/organisations', 'organisations', { expectH1: 'Organisations' });
      await h.clickAndWait(page, page.locator('table.govuk-table tbody a.govuk-link').first());
      assert.match(h.pathOf(page), /^\/organisations\/[^/]+$/);
      await check('organisation');
      await submitEmpty(/^(Approve|Record signature)$/, 'organisation-with-errors');
      await visit('/organisations/apply', 'organisation-apply', { expectH1: 'Record an application to join' });
      await submitEmpty('Record application', 'organisation-apply-with-errors');
      await visit('/people', 'people', { expectH1: 'People and roles' });
      await h.clickAndWait(page, page.locator('table.govuk-table tbody a.govuk-link').first());
      assert.match(h.pathOf(page), /^\/people\/[^/]+$/);
      await check('person');
      await visit('/people/new', 'people-new', { expectH1: 'Add a person' });
      await submitEmpty('Add person', 'people-new-with-errors');
      await visit('/break-glass', 'break-glass', { expectH1: 'Break-glass access' });
      await submitEmpty('Open access for one hour', 'break-glass-with-errors');
      await visit('/programme', 'programme', { expectH1: 'Programme rules' });
      await visit('/account', 'account', { expectH1: 'Your account' });
      await visit('/account/password', 'account-password', { expectH1: 'Change your password' });
      await submitEmpty('Save password', 'account-password-with-errors');
      await visit('/accessibility', 'accessibility', { expectH1: 'Accessibility statement for Early Help' });
      await visit('/api', 'api', { expectH1: 'API for agency systems' });

      // and the error pages
      const missing = await page.goto('/people/no-such-person');
      assert.equal(missing.status(), 404);
      await check('not-found');
      await page.goto('/account');
      await page.evaluate(() => document.querySelector('form[action="/sign-out"] input[name="csrf"]').remove());
      const expired = await h.signOut(page);
      assert.equal(expired.status(), 403);
      await check('form-expired', { expectH1: 'This form has expired' });

      // and the home page on a phone, with the menu open
      await page.setViewportSize({ width: 375, height: 812 });
      await page.goto('/');
      const menu = page.getByRole('button', { name: 'Menu' });
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true', 'the Menu button opens the navigation');
      await check('home-phone-menu-open');
      await page.setViewportSize({ width: 1280, height: 900 });

      // and sign out, and in again with their authenticator app
      await page.goto('/');
      await h.signOut(page);
      await check('signed-out');
      await h.submitSignIn(page, email, app.password);
      assert.equal(h.pathOf(page), '/sign-in/second-factor');
      await check('second-factor-challenge');
      await submitEmpty('Continue', 'second-factor-challenge-with-errors');
      await page.getByLabel('Enter your security code').fill(await h.freshTotp(secret));
      await h.clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(h.pathOf(page), '/');

      // Then axe finds no WCAG 2.2 A/AA violation on any of them
      for (const line of checked) t.diagnostic(line);
      if (problems.length) console.error(problems.join('\n\n'));
      assert.equal(problems.length, 0, `accessibility violations:\n${problems.join('\n\n')}`);
    } finally {
      await context.close();
    }
  });
});
