// An administrator's first sign-in: setting up an authenticator app.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./support/harness');

describe('administrator', () => {
  let app;
  let browser;

  h.withAppAndBrowser((started) => ({ app, browser } = started));

  it('administrator_enrols_an_authenticator_app_and_sees_recovery_codes', async () => {
    const { context, page } = await h.newPage(browser, app);
    const shoot = h.screenshotter(page, 'enrol');
    try {
      // Given an administrator who has never set up a second factor
      const { email, asksForSecondFactor } = app.account('Administrator');
      assert.ok(asksForSecondFactor, 'the demo says the administrator will be asked to set up an authenticator app');

      // When they sign in with the right password
      await h.submitSignIn(page, email, app.password);

      // Then they are asked to set up an authenticator app, with a QR code and the key
      assert.equal(h.pathOf(page), '/account/second-factor');
      assert.equal(await h.h1(page), 'Set up your second factor');
      const qr = page.getByRole('img', { name: /QR code/ });
      assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
      assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image loads');
      const secret = (await page.locator('code.app-secret').innerText()).replace(/\s+/g, '');
      assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'the key is base32');
      // and there is no way round it yet
      await page.goto('/people');
      assert.notEqual(h.pathOf(page), '/people', 'people page shown before the second factor was set up');
      await page.goto('/account/second-factor');
      const key = (await page.locator('code.app-secret').innerText()).replace(/\s+/g, '');
      await shoot('01-setup');

      // When they type a wrong code
      const wrong = String((Number(h.totp(key)) + 1) % 1_000_000).padStart(6, '0');
      await page.getByLabel('Code from your app').fill(wrong);
      await h.clickAndWait(page, page.getByRole('button', { name: 'Turn on second factor' }));
      // Then they are told, and can try again with the same key
      assert.deepEqual((await h.errorSummary(page))?.items, ['The code is not correct. Enter the 6-digit code your app shows now']);
      assert.equal((await page.locator('code.app-secret').innerText()).replace(/\s+/g, ''), key);
      await shoot('02-setup-wrong-code');

      // When they type the code their app shows (computed here from the key, RFC 6238)
      await page.getByLabel('Code from your app').fill(await h.freshTotp(key));
      await h.clickAndWait(page, page.getByRole('button', { name: 'Turn on second factor' }));

      // Then they see that the second factor is on, and ten recovery codes
      assert.equal(await h.h1(page), 'Second factor turned on');
      const codes = (await page.locator('.app-recovery-codes li').allInnerTexts()).map((s) => s.trim());
      assert.equal(codes.length, 10, `recovery codes: ${codes.join(', ')}`);
      assert.equal(new Set(codes).size, 10, 'recovery codes are all different');
      for (const c of codes) assert.match(c, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
      await shoot('03-recovery-codes');
      app.secrets.set(email, key);

      // and can go on to manage people
      await h.clickAndWait(page, page.getByRole('link', { name: 'Continue to Early Help' }));
      assert.equal(h.pathOf(page), '/');
      await h.clickAndWait(page, page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: /People/ }));
      assert.equal(h.pathOf(page), '/people');
      assert.equal(await h.h1(page), 'People and roles');
      await shoot('04-people');
      await h.clickAndWait(page, page.getByRole('link', { name: 'Add a person' }));
      assert.equal(h.pathOf(page), '/people/new');
      assert.equal(await h.h1(page), 'Add a person');
      await shoot('05-people-new');
      // and their account shows the second factor is set up
      await page.goto('/account');
      assert.match(await page.locator('.govuk-summary-list').innerText(), /Authenticator app \(10 recovery codes left\)/);
    } finally {
      await context.close();
    }
  });
});
