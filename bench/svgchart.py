"""A grouped horizontal bar chart of ratios as plain SVG (no dependencies).

The x axis is logarithmic (ratios both below and above 1 read fairly) with
a marked line at 1 (parity)."""

import math
from xml.sax.saxutils import escape

COLORS = ("#3b6fb6", "#e08a2c")


def ratio_chart(rows, title, series):
    """rows: (label, ratio_a or None, ratio_b or None, note)."""
    values = [v for _, a, b, _ in rows for v in (a, b) if v]
    lo = min([0.5] + values) / 1.2
    hi = max([2.0] + values) * 1.2
    lo_p, hi_p = math.floor(math.log10(lo) * 2) / 2, math.ceil(math.log10(hi) * 2) / 2
    left, width, bar, gap, top = 130, 560, 14, 14, 58
    height = top + len(rows) * (2 * bar + gap) + 40
    x = lambda v: left + (math.log10(v) - lo_p) / (hi_p - lo_p) * width
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, name in enumerate(series):
        out.append(f'<rect x="{left + i * 200}" y="32" width="12" height="12" fill="{COLORS[i]}"/>'
                   f'<text x="{left + i * 200 + 16}" y="43">{escape(name)}</text>')
    # Grid: 1-2-5 ticks within the range.
    ticks = [m * 10 ** e for e in range(int(math.floor(lo_p)) - 1, int(math.ceil(hi_p)) + 1)
             for m in (1, 2, 5) if lo_p <= math.log10(m * 10 ** e) <= hi_p]
    bottom = height - 30
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{bottom}" '
                   f'stroke="{"#000" if t == 1 else "#ddd"}" stroke-width="{1.5 if t == 1 else 1}"/>'
                   f'<text x="{x(t):.1f}" y="{bottom + 16}" text-anchor="middle">{t:g}×</text>')
    y = top
    for label, a, b, note in rows:
        out.append(f'<text x="{left - 8}" y="{y + bar + 4}" text-anchor="end">{escape(label)}</text>')
        for i, v in enumerate((a, b)):
            yy = y + i * bar
            if v:
                x0, x1 = x(10 ** lo_p), x(v)
                out.append(f'<rect x="{x0:.1f}" y="{yy}" width="{max(x1 - x0, 1):.1f}" height="{bar - 2}" '
                           f'fill="{COLORS[i]}"/><text x="{x1 + 4:.1f}" y="{yy + bar - 4}">{v:.2f}</text>')
            else:
                out.append(f'<text x="{x(10 ** lo_p) + 4:.1f}" y="{yy + bar - 4}" fill="#b00">'
                           f'{"no result" if i == 0 else "—"}</text>')
        y += 2 * bar + gap
    out.append("</svg>")
    return "\n".join(out) + "\n"
