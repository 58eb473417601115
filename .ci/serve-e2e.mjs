// End-to-end test of credit serve in a real browser (headless Chromium
// driven by playwright-core): the training run appears as running, its
// loss curve gains points while it trains, the corrupt run is shown as
// such, and after the training is stopped the run shows as interrupted.
// It measures the delay from an epoch's line in metrics.jsonl to its point
// on the page and saves a screenshot.
//
// usage: node serve-e2e.mjs URL RUN_DIR TRAIN_PID SCREENSHOT
import { chromium } from "playwright-core";
import fs from "node:fs";

const [url, runDir, trainPid, shot] = process.argv.slice(2);
const fail = (msg) => { console.error("serve-e2e: FAIL: " + msg); process.exit(1); };
const lines = () => {
  try { return fs.readFileSync(runDir + "/metrics.jsonl", "utf8").split("\n").filter((l) => l.trim()).length; } catch { return 0; }
};

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector('tr[data-id="0/live"] .state.running', { timeout: 20000 });
  await page.waitForSelector('[data-panel="loss"] path.line', { timeout: 10000 });
  console.log(`serve-e2e: page with the running run and its curve after ${Date.now() - t0} ms`);

  const corrupt = await page.textContent('tr[data-id="0/corrupt"]');
  if (!/corrupt/.test(corrupt) || !/metrics\.jsonl: line \d+/.test(corrupt)) fail("the corrupt run is not shown as corrupt with its error: " + corrupt);

  // Watch the file and the page together: when does each new epoch's
  // point show? (points of the test-loss line = epochs on the page)
  const points = () => page.evaluate(() => {
    const p = document.querySelector('[data-panel="loss"] path.line');
    return p ? +p.dataset.points : 0;
  });
  const seenFile = new Map(); // line count -> time it was first seen in the file
  let start = await points(), last = start;
  const delays = [];
  const until = Date.now() + 40000;
  while (delays.length < 3 && Date.now() < until) {
    const n = lines();
    if (!seenFile.has(n)) seenFile.set(n, Date.now());
    const p = await points();
    if (p > last) {
      for (let k = last + 1; k <= p; k++) if (seenFile.has(k)) delays.push(Date.now() - seenFile.get(k));
      last = p;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (last <= start) fail(`the curve gained no point in 40 s (${start} points)`);
  const mean = delays.reduce((a, b) => a + b, 0) / Math.max(1, delays.length);
  console.log(`serve-e2e: the curve went from ${start} to ${last} points; epoch line → point on the page: ${delays.map((d) => d + " ms").join(", ")} (mean ${mean.toFixed(0)} ms; the file polled every 20 ms)`);

  await page.screenshot({ path: shot, fullPage: true });
  console.log("serve-e2e: screenshot " + shot);

  process.kill(+trainPid, "SIGINT");
  await page.waitForSelector('tr[data-id="0/live"] .state.interrupted', { timeout: 15000 });
  console.log("serve-e2e: after SIGINT the run shows as interrupted");
  if (errors.length) fail("errors on the page: " + errors.join("; "));
  console.log("serve-e2e: ok");
} finally {
  await browser.close();
}
