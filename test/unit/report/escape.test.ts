import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cssString, escapeHtml, html, safeImageDataUrl, SafeHtml } from '../../../electron/report/escape.ts';
import { refText, timeText, utcText, zoneText } from '../../../electron/report/format.ts';

test('escapeHtml neutralises script, event-handler, quote and ampersand payloads', () => {
  assert.equal(escapeHtml('<script>alert(1)</script>'), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(escapeHtml('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(escapeHtml(`" onmouseover='x' \``), '&quot; onmouseover=&#39;x&#39; &#96;');
  assert.equal(escapeHtml('AT&T &amp;'), 'AT&amp;T &amp;amp;');
  assert.equal(escapeHtml('GET /\u0000.jsp\u001b[31m'), 'GET /\\x00.jsp\\x1b[31m');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(241), '241');
});

test('html template escapes interpolations but keeps SafeHtml fragments and joins arrays', () => {
  const evil = '"><script>alert(1)</script>';
  const out = html`<td title="${evil}">${evil}</td>${[html`<b>${'a&b'}</b>`, '<i>']}`;
  assert.ok(out instanceof SafeHtml);
  assert.equal(out.value, '<td title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td><b>a&amp;b</b>&lt;i&gt;');
  assert.equal(html`${null}${undefined}${false}${0}`.value, '0');
});

test('cssString cannot close the CSS string or the style element', () => {
  const s = cssString('Acme "Forensics" </style><script>x</script>\\');
  assert.ok(!s.includes('"') && !s.includes('<') && !s.includes('>'));
  assert.equal(cssString('a"b'), 'a\\22 b');
});

test('only image data: URLs are accepted as logo', () => {
  assert.equal(safeImageDataUrl('data:image/png;base64,iVBORw0KGgo='), 'data:image/png;base64,iVBORw0KGgo=');
  assert.equal(safeImageDataUrl('https://evil.example/logo.png'), null);
  assert.equal(safeImageDataUrl('data:text/html;base64,PHNjcmlwdD4='), null);
  assert.equal(safeImageDataUrl('data:image/svg+xml;base64,PHN2Zz4=" onerror="x'), null);
});

test('times print in UTC with the display zone beside them', () => {
  const us = Date.UTC(2021, 2, 3, 2, 24, 2, 117) * 1000;
  assert.equal(utcText(us), '2021-03-03 02:24:02.117 UTC');
  assert.equal(zoneText(us, 'Europe/Oslo'), '2021-03-03 03:24:02 Europe/Oslo');
  assert.equal(timeText(us, 'UTC'), '2021-03-03 02:24:02.117 UTC');
  assert.equal(timeText(us, 'Not/AZone'), '2021-03-03 02:24:02.117 UTC');
  assert.equal(utcText(null), '—');
  assert.equal(refText({ file: 'W3SVC1/u_ex210303.log', line: 5 }), 'W3SVC1/u_ex210303.log:5');
  assert.equal(refText({ file: 'Application.evtx', record: 1234 }), 'Application.evtx record 1234');
});
