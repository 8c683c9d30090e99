// Accounts by e-mail: an administrator invites a new person, who chooses their own password
// from the link the demo writes to its outbox; and "Forgotten your password?" from the
// sign-in page. axe-core on every page visited; screenshots of each.
'use strict';

const { describe, it, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('accounts by e-mail', () => {
  let app;
  let browser;
  const contexts = [];
  const seen = new Set();

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  afterEach(async () => {
    while (contexts.length) await contexts.pop().close();
  });

  async function freshPage(prefix) {
    const { context, page } = await h.newPage(browser, app);
    contexts.push(context);
    const shoot = h.screenshotter(page, prefix);
    const check = async (name) => {
      await shoot(name);
      const violations = await h.axeViolations(page);
      assert.deepEqual(violations, [], h.formatViolations(`${name} (${page.url()})`, violations));
    };
    return { page, check };
  }

  it('an_invited_person_chooses_their_password_from_the_emailed_link', async () => {
    // Given an administrator on the "Add a person" page
    const admin = await freshPage('invitation');
    const { email: adminEmail } = await h.signIn(admin.page, app, 'Administrator');
    const domain = adminEmail.split('@')[1];
    // The header says "Signed in as <name>, <organisation>".
    const organisation = (await admin.page.locator('.app-signed-in span').innerText()).replace(/^Signed in as .*?, /, '').trim();
    await admin.page.goto('/people/new');
    assert.equal(await h.h1(admin.page), 'Add a person');
    assert.equal(await admin.page.locator('input[type="password"]').count(), 0, 'the administrator sets no password');
    await admin.check('01-add-a-person');

    // When they add a person at their organisation's domain
    const email = `robin.ashdown@${domain}`;
    await admin.page.getByLabel('Organisation').selectOption({ label: organisation });
    await admin.page.getByLabel('First name').fill('Robin');
    await admin.page.getByLabel('Last name').fill('Ashdown');
    await admin.page.getByLabel('Email address').fill(email);
    await admin.page.getByLabel('Job title').fill('Youth worker');
    await admin.page.getByLabel('Lead professional').check();
    await h.clickAndWait(admin.page, admin.page.getByRole('button', { name: 'Add person and send invitation' }));

    // Then their page says an invitation is on its way, and never shows the link
    assert.equal(await h.h1(admin.page), 'Robin Ashdown');
    assert.match(await admin.page.locator('#invitation').innerText(), /Waiting to be sent|Sent on/);
    await admin.check('02-person-invited');

    // and the worker writes the invitation to the outbox
    const mail = await h.waitForEmail(app, email, seen);
    assert.equal(mail.subject, 'Your Early Help account at Northmere Council');
    assert.match(mail.link, /^\/invitation\?token=[A-Za-z0-9_-]{43}$/);
    assert.ok(!(await admin.page.content()).includes(mail.link.split('=')[1]), 'the administrator never sees the token');

    // When Robin opens the link
    const robin = await freshPage('invitation');
    await robin.page.goto(mail.link);
    assert.equal(await h.h1(robin.page), 'Choose your password');
    assert.match(await robin.page.locator('main').innerText(), new RegExp(email.replace('.', '\\.')));
    await robin.check('03-choose-your-password');

    // and types a password that is too short
    await robin.page.getByLabel('New password', { exact: true }).fill('short');
    await robin.page.getByLabel('Confirm new password').fill('short');
    await h.clickAndWait(robin.page, robin.page.getByRole('button', { name: 'Save password and continue' }));
    assert.deepEqual((await h.errorSummary(robin.page))?.items, ['Password must be 12 characters or more']);
    await robin.check('04-choose-your-password-with-errors');

    // Then with a good one they are in (setting up a second factor first if their organisation asks)
    await robin.page.getByLabel('New password', { exact: true }).fill('copper kettle orchard');
    await robin.page.getByLabel('Confirm new password').fill('copper kettle orchard');
    await h.clickAndWait(robin.page, robin.page.getByRole('button', { name: 'Save password and continue' }));
    if (h.pathOf(robin.page) === '/account/second-factor') {
      await h.enrolSecondFactor(robin.page);
      await h.clickAndWait(robin.page, robin.page.getByRole('link', { name: 'Continue to Early Help' }));
    }
    assert.equal(h.pathOf(robin.page), '/');
    assert.equal(await h.h1(robin.page), 'Hello, Robin');

    // and the link does not work a second time
    await robin.page.goto(mail.link);
    assert.equal(await h.h1(robin.page), 'This link has stopped working');
    await robin.check('05-link-stopped-working');

    // and the administrator sees the invitation was accepted
    await admin.page.reload();
    assert.match(await admin.page.locator('#invitation').innerText(), /^Invitation\s+Accepted on /);
    await admin.check('06-person-accepted');
  });

  it('a_person_resets_a_forgotten_password_from_the_emailed_link', async () => {
    // Given a member of staff who has forgotten their password
    const role = [...app.accounts.values()].find((a) => !a.asksForSecondFactor && a.role !== 'Administrator').role;
    const { email } = app.account(role);
    const { page, check } = await freshPage('password-reset');
    await page.goto('/sign-in');

    // When they follow "Forgotten your password?" and send the form empty
    await h.clickAndWait(page, page.getByRole('link', { name: 'Forgotten your password?' }));
    assert.equal(await h.h1(page), 'Reset your password');
    await check('01-forgotten-password');
    await h.clickAndWait(page, page.getByRole('button', { name: 'Send me a link' }));
    assert.deepEqual((await h.errorSummary(page))?.items, ['Enter an email address']);
    await check('02-forgotten-password-with-errors');

    // Then with their address they are told to check their email
    await page.getByLabel('Email address').fill(email);
    await h.clickAndWait(page, page.getByRole('button', { name: 'Send me a link' }));
    assert.equal(await h.h1(page), 'Check your email');
    await check('03-check-your-email');

    // and the link in the e-mail lets them choose a new password
    const mail = await h.waitForEmail(app, email, seen, { subject: 'Reset your Early Help password' });
    assert.equal(mail.subject, 'Reset your Early Help password');
    await page.goto(mail.link);
    assert.equal(await h.h1(page), 'Choose a new password');
    await check('04-choose-a-new-password');
    await page.getByLabel('New password', { exact: true }).fill('lantern meadow quarry');
    await page.getByLabel('Confirm new password').fill('lantern meadow quarry');
    await h.clickAndWait(page, page.getByRole('button', { name: 'Save new password' }));
    assert.equal(h.pathOf(page), '/sign-in/password-changed');
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Your password has been changed/);
    await check('05-password-changed');

    // and they sign in with it; the old password no longer works
    await h.submitSignIn(page, email, app.password);
    assert.deepEqual((await h.errorSummary(page))?.items, ['Enter a correct email address and password']);
    await h.submitSignIn(page, email, 'lantern meadow quarry');
    assert.equal(h.pathOf(page), '/');
  });
});
