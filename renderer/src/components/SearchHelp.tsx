// The "?" popover: the search syntax in one table (the README's Timeline section says the same).
export const SEARCH_SYNTAX: Array<[string, string]> = [
  ['shell.aspx POST', 'every word must appear (message, fields, notes, tags)'],
  ['"python-requests/2.25.1"', 'an exact phrase'],
  ['Set-Oab*', 'words starting with Set-Oab'],
  ['a OR b', 'either word; AND is implied between words and binds tighter than OR'],
  ['NOT logon.aspx   or   -logon.aspx', 'leave out events with the word'],
  ['(a OR b) status:500', 'parentheses group'],
  ['ip:165.232.154.116', 'a column or field equals the value (case-insensitive)'],
  ['url:*aspnet_client*   EventID:4688', '* is a wildcard in field values; any field name from the detail pane works'],
  ['data.CommandLine:"*whoami*"', 'quote a value that has spaces'],
  ['tag:webshell   note:*C2*', 'your own tags and notes'],
];

export function SearchHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="popover search-help" role="dialog" aria-label="Search syntax" data-testid="search-help" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
      <table className="table">
        <tbody>{SEARCH_SYNTAX.map(([q, what]) => <tr key={q}><td><code>{q}</code></td><td>{what}</td></tr>)}</tbody>
      </table>
      <p className="meta">Columns: ip, status, method, url, host, source, tsDesc, userAgent, message, tags, note, file. A query that cannot be read says what is wrong.</p>
      <p className="meta">Keys: Ctrl+F search · j/k or ↑/↓ move · PgUp/PgDn · Home/End first/last event · g go to time · s star · t tag · n note · p pivot · m add event · Shift/Ctrl+click select</p>
      <button type="button" className="small" onClick={onClose}>Close</button>
    </div>
  );
}
