import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { KEY, startTestApp, TestApp } from './support/test-app';

/** Debian's Chromium (scripts/setup.sh installs it); Playwright never downloads a browser here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'swagger-ui-execute.png');
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * A person in Swagger UI: open /docs, Authorize with a key, reload (the key is remembered),
 * open executePython, Try it out with the pre-filled example, Execute, and read 200 with
 * Hello, World! in the response panel. Every request the page makes must go to the service.
 */
describe('Swagger UI in a real browser (playwright-core + Debian Chromium)', () => {
  let t: TestApp;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('swagger-ui');
    profile = mkdtempSync(join(tmpdir(), 'pyexec-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
    context.on('request', (request) => requested.push(request.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  it('authorizes, runs the pre-filled example and shows 200 with Hello, World!', async () => {
    const started = Date.now();
    await page.goto(`${t.url}/docs`);
    await page.locator('.swagger-ui .info .title', { hasText: 'pyexec' }).waitFor();

    // Authorize: the x-api-key scheme's dialog.
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('input[type="text"], input[type="password"]').first().fill(KEY);
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done').click();
    await page.locator('.auth-wrapper button.authorize.locked').waitFor();

    // persistAuthorization: the key survives a reload.
    await page.reload();
    await page.locator('.swagger-ui .info .title', { hasText: 'pyexec' }).waitFor();
    await page.locator('.auth-wrapper button.authorize.locked').waitFor();

    // executePython: open it, Try it out (the seed's example is pre-filled), Execute.
    const operation = page.locator('#operations-execution-executePython');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    const body = operation.locator('textarea.body-param__text');
    const prefilled = JSON.parse(await body.inputValue());
    expect(prefilled).toEqual({ code: "print('Hello, World!')", timeout: 10, id: 'request-123' });
    await operation.locator('button.execute').click();

    const response = operation.locator('.live-responses-table .response');
    await response.locator('.response-col_status', { hasText: '200' }).waitFor();
    const shown = await response.locator('.response-col_description pre').first().innerText();
    expect(JSON.parse(shown)).toMatchObject({ stdout: 'Hello, World!\n', exit_code: 0, result: null, id: 'request-123' });
    const seconds = (Date.now() - started) / 1000;

    // The screenshot: from the operation's header through the live response (request, curl, 200 body).
    mkdirSync(ARTIFACTS, { recursive: true });
    const top = (await operation.boundingBox())!;
    const bottom = (await operation.locator('.live-responses-table').boundingBox())!;
    const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
    await page.screenshot({
      path: SCREENSHOT,
      fullPage: true,
      clip: { x: top.x + scroll.x, y: top.y + scroll.y, width: top.width, height: bottom.y + bottom.height - top.y },
    });
    console.log(`Swagger UI flow took ${seconds.toFixed(2)} s in the browser; screenshot: ${SCREENSHOT}`);

    // Served entirely by the service: no CDN, no validator badge, nothing from another origin.
    const origin = new URL(t.url).origin;
    const outside = requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(outside).toEqual([]);
  });
});
