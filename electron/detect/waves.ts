// The Exchange exploitation waves a responder meets after March 2021, each with the window its logs must cover for a
// verdict of "no evidence". Dates from the published record:
//  - ProxyShell: Orange Tsai's Black Hat talk (2021-08-05) and write-up ("ProxyShell!", blog.orange.tw, Aug 2021);
//    mass exploitation from 2021-08-08 (Huntress "Microsoft Exchange Servers Still Vulnerable to ProxyShell Exploit",
//    Aug 2021; CISA alert of 2021-08-21).
//  - ProxyNotShell: exploited in the wild from early August 2022 (GTSC, 2022-09-28), Microsoft's customer guidance of
//    2022-09-29 (MSRC), fixed by the November 2022 security update (2022-11-08).
//  - OWASSRF: exploited from mid-November 2022 (Microsoft, via BleepingComputer: since at least 2022-11-17), CrowdStrike
//    "OWASSRF: CrowdStrike Identifies New Method for Bypassing ProxyNotShell Mitigations" (2022-12-20), Rackspace (2022-12-02).
import { isoToMicros } from '../../shared/types.ts';
import type { Micros } from '../../shared/types.ts';

export interface Window { from: Micros; to: Micros; label: string }

const window = (from: string, to: string, label: string): Window => ({ from: isoToMicros(`${from}T00:00:00Z`), to: isoToMicros(`${to}T00:00:00Z`), label });

export const WAVE = {
  proxyLogon: 'ProxyLogon (March 2021)',
  proxyShell: 'ProxyShell (August 2021)',
  proxyNotShell: 'ProxyNotShell (September 2022)',
  owassrf: 'OWASSRF (December 2022)',
} as const;

/** Waves in the order they happened (the report and the Findings view group verdicts by these). */
export const WAVE_ORDER: readonly string[] = [WAVE.proxyLogon, WAVE.proxyShell, WAVE.proxyNotShell, WAVE.owassrf];

export const PROXYSHELL_WINDOW = window('2021-08-01', '2021-08-31', 'Aug 2021');
export const PROXYNOTSHELL_WINDOW = window('2022-08-01', '2022-11-30', 'Aug–Nov 2022');
export const OWASSRF_WINDOW = window('2022-11-01', '2022-12-31', 'Nov–Dec 2022');
