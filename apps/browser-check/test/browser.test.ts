import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendCheck } from '../src/main.js';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
// Flags for a closed network (see the toolchain notes) plus WebGPU on SwiftShader.
const FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'];

describe.skipIf(!existsSync(CHROMIUM))('opt in headless Chromium (the page built by `vite build`)', () => {
  let server: PreviewServer;
  let results: BackendCheck[];

  beforeAll(async () => {
    server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
    const url = server.resolvedUrls!.local[0];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { __optResults?: unknown }).__optResults !== undefined, null, { timeout: 100_000 });
      const raw = await page.evaluate(() => (window as unknown as { __optResults: unknown }).__optResults);
      if (!Array.isArray(raw)) throw new Error(`page failed: ${JSON.stringify(raw)} ${errors.join('\n')}`);
      results = raw as BackendCheck[];
    } finally {
      await browser.close();
    }
  });

  afterAll(async () => {
    await server?.close();
  });

  const ran = (backend: string) => results.filter((r) => r.backend === backend && r.rule !== '-');

  it('the WASM backend loads without fs and its fused rules match the float64 reference within 2e-5', () => {
    const rows = ran('wasm');
    expect(rows.map((r) => r.rule)).toEqual(['adamw', 'sgd', 'coord-clip']);
    for (const r of rows) expect(r.maxRelError).toBeLessThanOrEqual(2e-5);
  });

  it('tfjs-cpu matches the float64 reference within 2e-5', () => {
    const rows = ran('tfjs-cpu');
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.maxRelError).toBeLessThanOrEqual(2e-5);
  });

  it('tfjs-webgl and tfjs-webgpu either match within 2e-5 or report why they are unavailable', () => {
    for (const name of ['tfjs-webgl', 'tfjs-webgpu']) {
      const rows = results.filter((r) => r.backend === name);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        if (r.rule === '-') expect(r.reason).toMatch(/\w/);
        else expect(r.maxRelError).toBeLessThanOrEqual(2e-5);
      }
    }
    console.log(JSON.stringify(results));
  });
});
