// The Findings view on the multi-wave generated server, in Chromium against browser mode: one group per exploitation
// wave in the order the waves came, each saying whether it reached the server and when it was first seen, holding
// the verdict card of each of its CVEs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CVE_CHECKS } from '../../electron/detect/cve-registry.ts';
import { WAVE_ORDER } from '../../electron/detect/waves.ts';
import { microsToIso } from '../../shared/types.ts';
import { closeSession, createAndIndex, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';
import type { Locator } from 'playwright-core';
import type { GeneratedManifest } from '../fixtures/generate.ts';

const skip = e2eUnavailable();
let s: Session | undefined;
let manifest: GeneratedManifest;
const opts = { skip: skip ?? false };

before(async () => {
  if (skip) return;
  const { generateEvidence } = await import('../fixtures/generate.ts');
  s = await openSession('loupe-e2e-waves-');
  manifest = await generateEvidence(path.join(s.tmp, 'EXCH01'), { scale: 0.05, seed: 5, includeEvtx: false, waves: true });
  await createAndIndex(s.page, path.join(s.tmp, 'contoso.loupe'), manifest.root);
});

after(() => closeSession(s));

/** "2021-08-12 09:14:02.000000Z", as the view writes a time in UTC. */
const utc = (us: number): string => { const iso = microsToIso(us); return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${(iso.split('.')[1] ?? '').replace('Z', '').padEnd(6, '0')}Z`; };

const attrs = async (l: Locator, name: string): Promise<Array<string | null>> => Promise.all((await l.all()).map((x) => x.getAttribute(name)));

test('Findings groups the verdict cards by wave, in the order the waves came, each reached and first seen when its first hit was', opts, async () => {
  const { page, service } = s!;
  await page.click('a:has-text("Findings")');
  await page.locator('[data-testid^="wave-"]').first().waitFor();
  const groups = page.locator('section[data-testid^="wave-"]');
  assert.deepEqual(await attrs(groups, 'data-testid'), WAVE_ORDER.map((w) => `wave-${w.split(' ')[0]}`));
  const verdicts = await service.verdicts();
  for (const wave of WAVE_ORDER) {
    const group = page.locator(`section[data-testid="wave-${wave.split(' ')[0]}"]`);
    assert.equal(await group.locator('h3').textContent(), `${wave} reached the server (exploited)`);
    const cards = await attrs(group.locator('article[data-check]'), 'data-check');
    assert.deepEqual(cards, CVE_CHECKS.filter((c) => c.wave === wave).map((c) => c.check), `${wave} cards`);
    const firsts = verdicts.filter((v) => v.wave === wave && v.firstSeen != null).map((v) => v.firstSeen!);
    assert.equal(await group.locator('p.meta').first().textContent(), `first seen ${utc(Math.min(...firsts))}`, wave);
  }
  const shell = manifest.waves.find((w) => w.wave.startsWith('ProxyShell'))!;
  const psFirst = Math.min(...verdicts.filter((v) => v.wave === shell.wave).map((v) => v.firstSeen!));
  assert.ok(microsToIso(psFirst) >= shell.from && microsToIso(psFirst) <= shell.to, 'ProxyShell first seen inside the period it was planted in');
  await screenshot(page, 'findings-waves');
});
