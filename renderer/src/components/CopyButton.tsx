import { useState } from 'react';

export function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(text); setDone(true); window.setTimeout(() => setDone(false), 1200); } catch { setDone(false); }
  };
  return <button type="button" className="small" onClick={copy} title="Copy to clipboard">{done ? 'copied' : 'copy'}</button>;
}
