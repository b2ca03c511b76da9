// Event-density histogram (SVG); drag across it to zoom the timeline to that time range.
import { useRef, useState } from 'react';
import type { Histogram as H } from '../../../shared/api.ts';
import { formatTime } from '../format.ts';

const W = 1000;
const HEIGHT = 60;

export function Histogram({ data, zone, onZoom }: { data: H | null; zone: string; onZoom: (from: number, to: number) => void }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  if (!data || data.buckets.length === 0) return <div className="histogram empty-hist">No events to chart.</div>;
  const max = Math.max(1, ...data.buckets.map((b) => b.count));
  const span = Math.max(1, data.to - data.from);
  const xOf = (t: number) => ((t - data.from) / span) * W;
  const tOf = (clientX: number) => {
    const box = svgRef.current!.getBoundingClientRect();
    return data.from + (Math.min(Math.max(clientX - box.left, 0), box.width) / box.width) * span;
  };
  const barW = Math.max(1, (data.bucketMicros / span) * W - 0.5);
  const finish = () => {
    if (drag && Math.abs(drag.b - drag.a) > data.bucketMicros / 4) onZoom(Math.floor(Math.min(drag.a, drag.b)), Math.ceil(Math.max(drag.a, drag.b)));
    setDrag(null);
  };
  return (
    <div className="histogram" data-testid="histogram">
      <svg ref={svgRef} viewBox={`0 0 ${W} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label="Event density; drag to zoom"
        onMouseDown={(e) => { const t = tOf(e.clientX); setDrag({ a: t, b: t }); }}
        onMouseMove={(e) => { if (drag) setDrag({ ...drag, b: tOf(e.clientX) }); }}
        onMouseUp={finish} onMouseLeave={() => setDrag(null)}>
        {data.buckets.map((b) => (
          <rect key={b.start} className="bar" x={xOf(b.start)} width={barW} y={HEIGHT - (b.count / max) * HEIGHT} height={(b.count / max) * HEIGHT}>
            <title>{`${formatTime(b.start, zone)}: ${b.count}`}</title>
          </rect>
        ))}
        {drag && <rect className="sel" x={xOf(Math.min(drag.a, drag.b))} width={Math.abs(xOf(drag.b) - xOf(drag.a))} y={0} height={HEIGHT} />}
      </svg>
      <div className="hist-axis"><span>{formatTime(data.from, zone)}</span><span>{formatTime(data.to, zone)}</span></div>
    </div>
  );
}
