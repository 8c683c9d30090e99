// Signing in and out, wrong passwords, lockout and CSRF, in headless Chromium.
'use strict';

const { describe, it, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('signing in', () => {
  let app;
  let browser;
  const contexts = [];

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  afterEach(async () => {
    while (contexts.length) await contexts.pop().close();
  });

  async function freshPage(prefix) {
    const { context, page } = await h.newPage(browser, app);
    contexts.push(context);
    return { page, shoot: h.screenshotter(page, prefix) };
  }

  /** A demo role whose line does not say it asks for a second factor (it still may: see signIn). */
  function roleWithoutSecondFactorNote(preferred) {
    if (!app.account(preferred).asksForSecondFactor) return preferred;
    const other = [...app.accounts.values()].find((a) => !a.asksForSecondFactor);
    return other ? other.role : preferred;
  }

  it('sign_in_with_the_demo_password_shows_the_home_page', async (t) => {
    // Given a member of staff on the sign-in page
    const { page, shoot } = await freshPage('sign-in');
    const role = roleWithoutSecondFactorNote('Agency representative');
    await page.goto('/sign-in');
    assert.equal(await h.h1(page), 'Sign in to Early Help');
    await shoot('01-sign-in-page');

    // When they sign in with the demo password (setting up a second factor if asked)
    const { email, steps } = await h.signIn(page, app, role, { shoot: (n) => shoot(`02-${n}`) });
    if (steps.length) t.diagnostic(`${role} (${email}): ${steps.join(', ')}`);
    if (!app.account(role).asksForSecondFactor) {
      assert.deepEqual(steps, [], `the demo listed ${email} without "(asks you to set up an authenticator app)"`);
    }

    // Then they see the home page greeting them by name, with the menu and a sign-out button
    const givenName = email.split('.')[0];
    assert.equal(h.pathOf(page), '/');
    assert.match(await h.h1(page), new RegExp(`^Hello, ${givenName}$`, 'i'));
    assert.match(await page.title(), /^Home – Early Help – /);
    await page.getByRole('navigation', { name: 'Menu' }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    assert.match(await page.locator('.app-signed-in').innerText(), /Signed in as /);
    await shoot('03-home-page');
  });

  it('wrong_password_shows_the_error_summary_and_keeps_the_typed_email', async () => {
    // Given a member of staff on the sign-in page
    const { page, shoot } = await freshPage('wrong-password');
    const { email } = app.account('Lead professional');
    await page.goto('/sign-in');

    // When they sign in with the wrong password
    const response = await h.submitSignIn(page, email, 'not-the-password-at-all');

    // Then they stay on the sign-in page, with an error summary linking to the email field
    assert.equal(response.status(), 200);
    assert.equal(h.pathOf(page), '/sign-in');
    assert.match(await page.title(), /^Error: /);
    assert.deepEqual(await h.errorSummary(page), {
      title: 'There is a problem',
      items: ['Enter a correct email address and password'],
    });
    assert.equal(await page.locator('.govuk-error-summary__list a').getAttribute('href'), '#email');
    assert.match(await page.locator('#email-error').innerText(), /Enter a correct email address and password/);
    // and the address they typed is still there, but the password is not
    assert.equal(await page.getByLabel('Email address').inputValue(), email);
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
    // and they are not signed in
    assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
    await shoot('01-error-summary');
  });

  it('five_wrong_passwords_lock_the_account_even_for_the_right_one', async () => {
    // Given a member of staff who has typed a wrong password five times
    const { page, shoot } = await freshPage('lockout');
    const { email } = app.account('Business support officer');
    await page.goto('/sign-in');
    for (let i = 1; i <= 5; i++) {
      await h.submitSignIn(page, email, `wrong-password-${i}`);
      assert.deepEqual((await h.errorSummary(page))?.items, ['Enter a correct email address and password'], `attempt ${i}`);
    }

    // When they then type the right password
    await h.submitSignIn(page, email, app.password);

    // Then they see that they have tried too many times, and are not signed in
    assert.equal(h.pathOf(page), '/sign-in');
    const banner = page.locator('.govuk-notification-banner');
    assert.match(await banner.innerText(), /You have tried to sign in too many times/);
    assert.equal(await h.h1(page), 'Sign in to Early Help');
    assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
    await shoot('01-locked');
    await page.goto('/');
    assert.equal(h.pathOf(page), '/sign-in');
  });

  it('signing_out_returns_to_the_sign_in_page_and_home_needs_sign_in_again', async () => {
    // Given a member of staff who is signed in
    const { page, shoot } = await freshPage('sign-out');
    await h.signIn(page, app, roleWithoutSecondFactorNote('Locality manager'));
    const before = (await page.context().cookies()).find((c) => c.name === 'eh_session');
    assert.ok(before, 'an eh_session cookie after signing in');

    // When they sign out
    const response = await h.signOut(page);

    // Then they see the sign-in page saying they have signed out
    assert.equal(response.status(), 200);
    assert.equal(await h.h1(page), 'Sign in to Early Help');
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /You have signed out/);
    assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 0);
    await shoot('01-signed-out');

    // and the home page asks them to sign in again
    await page.goto('/');
    assert.equal(h.pathOf(page), '/sign-in');
    assert.equal(await h.h1(page), 'Sign in to Early Help');

    // even if the browser sends the old session cookie again
    await page.context().addCookies([before]);
    await page.goto('/');
    assert.equal(h.pathOf(page), '/sign-in');
    assert.equal(await h.h1(page), 'Sign in to Early Help');
  });

  it('a_form_posted_without_its_csrf_token_is_refused', async () => {
    // Given a member of staff who is signed in, on a page with the sign-out form
    const { page, shoot } = await freshPage('csrf');
    await h.signIn(page, app, roleWithoutSecondFactorNote('Panel chair / co-ordinator'));
    await page.goto('/account');

    // When the form is posted without its hidden csrf field
    const removed = await page.evaluate(() => {
      const input = document.querySelector('form[action="/sign-out"] input[name="csrf"]');
      input?.remove();
      return Boolean(input);
    });
    assert.ok(removed, 'the sign-out form has a hidden csrf field');
    const response = await h.signOut(page);

    // Then the app refuses it with "This form has expired"
    assert.equal(response.status(), 403);
    assert.equal(await h.h1(page), 'This form has expired');
    await shoot('01-form-expired');

    // and the person is still signed in
    await page.goto('/');
    assert.match(await h.h1(page), /^Hello, /);

    // and a sign-in form posted with no token is refused too
    const direct = await page.request.post('/sign-in', {
      form: { email: app.account('Lead professional').email, password: app.password },
      maxRedirects: 0,
    });
    assert.equal(direct.status(), 403);
    assert.match(await direct.text(), /This form has expired/);
  });
});
