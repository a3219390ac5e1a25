import net from 'node:net';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { chromium } from 'playwright-core';

export type LighthouseScore = { path: string; performance: number; accessibility: number; runs: number[]; detail: string };

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/**
 * Lighthouse (desktop settings) on each path of a running Archon, signed in with `cookie`. Each path is run `runs`
 * times and the median performance kept, as Lighthouse's own advice on variability says; accessibility is the worst run.
 */
export async function lighthouseScores(baseUrl: string, cookie: string, paths: string[], runs = 3): Promise<LighthouseScore[]> {
  const port = await freePort();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--remote-debugging-port=${port}`],
  });
  const scores: LighthouseScore[] = [];
  try {
    for (const path of paths) {
      const results = [];
      for (let i = 0; i < runs; i++) {
        const result = await lighthouse(
          `${baseUrl}${path}`,
          { port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'], extraHeaders: { Cookie: cookie } },
          desktopConfig,
        );
        const lhr = result!.lhr;
        const metric = (id: string) => lhr.audits[id]?.displayValue ?? '?';
        const failing = Object.values(lhr.audits)
          .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary')
          .map((a) => a.id);
        results.push({
          perf: Math.round((lhr.categories.performance!.score ?? 0) * 100),
          a11y: Math.round((lhr.categories.accessibility!.score ?? 0) * 100),
          detail: `FCP ${metric('first-contentful-paint')}, LCP ${metric('largest-contentful-paint')}, TBT ${metric('total-blocking-time')}, CLS ${metric('cumulative-layout-shift')}${failing.length ? `; failing: ${failing.join(', ')}` : ''}${lhr.runtimeError ? `; error: ${lhr.runtimeError.message}` : ''}`,
        });
      }
      const median = [...results].sort((a, b) => a.perf - b.perf)[Math.floor(results.length / 2)]!;
      scores.push({
        path,
        performance: median.perf,
        accessibility: Math.min(...results.map((r) => r.a11y)),
        runs: results.map((r) => r.perf),
        detail: median.detail,
      });
    }
  } finally {
    await browser.close();
  }
  return scores;
}
