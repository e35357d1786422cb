/// The report's stylesheet (inline: the page loads nothing). System fonts only; a dark
/// variant follows the reader's system setting.
enum ReportStyle {
    /// The colour of each metric family's lines (`--series`); other families take the
    /// `extraColors` in turn.
    static let familyColors: [String: String] = [
        "reward": "#16a34a", "rewards": "#15803d", "kl": "#ea580c", "losses": "#2563eb", "policy": "#9333ea",
        "values": "#0891b2", "samples": "#64748b", "gradients": "#db2777",
    ]
    static let extraColors = ["#0d9488", "#ca8a04", "#4f46e5", "#dc2626", "#65a30d", "#c026d3"]

    static let css = """
        :root {
          --bg: #f6f7f9; --panel: #ffffff; --subtle: #f3f4f6; --text: #1f2328; --muted: #656d76;
          --border: #d8dee4; --grid: #eceff3; --accent: #2563eb; --good: #1a7f37; --bad: #cf222e;
          --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
          color-scheme: light dark;
        }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0d1117; --panel: #161b22; --subtle: #1c2129; --text: #e6edf3; --muted: #8d96a0;
                  --border: #30363d; --grid: #222831; --accent: #58a6ff; --good: #3fb950; --bad: #f85149; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text); font-size: 14px; line-height: 1.45;
               font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
        .page { max-width: 1320px; margin: 0 auto; padding: 28px 32px 40px; }
        header h1 { font-size: 26px; font-weight: 650; margin: 0; letter-spacing: -0.01em; }
        header .subtitle { color: var(--muted); margin: 4px 0 18px; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
        .card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 16px; }
        .card .label { color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.05em; font-weight: 600; }
        .card .value { font-size: 22px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .card .change { font-size: 12.5px; font-weight: 600; margin-top: 1px; font-variant-numeric: tabular-nums; }
        .card .change .was { color: var(--muted); font-weight: 400; }
        .card .detail { color: var(--muted); font-size: 11.5px; margin-top: 1px; }
        .up { color: var(--good); } .down { color: var(--bad); }
        nav { position: sticky; top: 0; z-index: 2; background: var(--bg); border-bottom: 1px solid var(--border);
              margin: 22px 0 0; padding: 10px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
        nav a { color: var(--muted); text-decoration: none; font-weight: 550; }
        nav a:hover { color: var(--text); }
        section { margin-top: 26px; scroll-margin-top: 52px; }
        h2 { font-size: 18px; margin: 0 0 12px; display: flex; align-items: baseline; gap: 10px; }
        h2 .swatch { width: 10px; height: 10px; border-radius: 3px; background: var(--series, var(--muted)); align-self: center; }
        h2 .count { color: var(--muted); font-weight: 400; font-size: 13px; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
        .chart { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; margin: 0; padding: 10px 12px 4px; min-width: 0; }
        .chart figcaption { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; margin: 0 2px 2px; }
        .chart .name { font-weight: 600; font-family: var(--mono); font-size: 13px; overflow-wrap: anywhere; }
        .chart .latest { color: var(--muted); font-size: 12.5px; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .chart .latest b { color: var(--text); font-weight: 600; }
        .chart .chart-note { color: var(--muted); font-size: 11.5px; margin: 0 2px 6px; }
        .chart-svg { display: block; width: 100%; height: auto; overflow: visible; }
        .chart-svg .grid line { stroke: var(--grid); stroke-width: 1; }
        .chart-svg .axis text { fill: var(--muted); font-size: 11.5px; font-variant-numeric: tabular-nums; }
        .chart-svg .axis line { stroke: var(--border); stroke-width: 1; }
        .chart-svg path, .chart-svg line, .chart-svg polygon { vector-effect: non-scaling-stroke; }
        .chart-svg .raw { fill: none; stroke: var(--series); stroke-opacity: 0.3; stroke-width: 1.2; stroke-linejoin: round; }
        .chart-svg .smooth { fill: none; stroke: var(--series); stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
        .chart-svg .dot { fill: var(--series); fill-opacity: 0.45; }
        .chart-svg .last { fill: var(--series); stroke: var(--panel); stroke-width: 1.5; }
        .chart-svg .band { fill: var(--series); fill-opacity: 0.1; }
        .chart-svg .empty { fill: var(--muted); font-size: 12px; }
        .legend { color: var(--muted); font-size: 12px; margin: -4px 0 12px; display: flex; gap: 16px; flex-wrap: wrap; align-items: center; }
        .legend i { display: inline-block; width: 18px; height: 0; border-top: 2.5px solid var(--muted); vertical-align: middle; margin-right: 6px; }
        .legend i.raw { border-top-width: 1.5px; opacity: 0.45; }
        .legend i.band { height: 10px; border: 0; background: var(--muted); opacity: 0.2; }
        .sample-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(520px, 100%), 1fr)); gap: 14px; }
        .sample-card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; overflow: hidden; min-width: 0; }
        .sample-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; padding: 12px 14px; border-bottom: 1px solid var(--border); }
        .sample-head h3 { margin: 0; font-size: 15px; }
        .sample-head .step { color: var(--muted); font-weight: 500; font-size: 13px; margin-left: 6px; }
        .sample-meta { color: var(--muted); font-size: 12.5px; }
        .sample-meta b { color: var(--text); }
        table { width: 100%; border-collapse: collapse; table-layout: auto; }
        th { text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted);
             font-weight: 600; padding: 7px 12px; background: var(--subtle); border-bottom: 1px solid var(--border); }
        td { padding: 8px 12px; border-bottom: 1px solid var(--grid); vertical-align: top; }
        tr:last-child td { border-bottom: 0; }
        td.text { font-family: var(--mono); font-size: 12.5px; white-space: pre-wrap; overflow-wrap: anywhere; }
        td.prompt { color: var(--muted); max-width: 14em; }
        .index { width: 2.5em; color: var(--muted); font-variant-numeric: tabular-nums; }
        th.reward, td.reward { width: 6.5em; text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .reward-bar { height: 4px; border-radius: 2px; background: var(--grid); margin-top: 5px; display: flex; justify-content: flex-end; }
        .reward-bar span { display: block; height: 100%; border-radius: 2px; }
        .muted { color: var(--muted); }
        .control { color: var(--bad); background: var(--subtle); border-radius: 3px; padding: 0 2px; font-size: 0.92em; }
        .empty-note { color: var(--muted); background: var(--panel); border: 1px dashed var(--border); border-radius: 10px; padding: 18px; margin: 0; }
        details { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; }
        summary { padding: 11px 14px; cursor: pointer; font-weight: 600; }
        summary .muted { font-weight: 400; }
        pre.config { margin: 0; padding: 12px 16px; border-top: 1px solid var(--border); overflow: auto; font-family: var(--mono); font-size: 12.5px; line-height: 1.5; }
        pre.config .comment { color: var(--muted); }
        pre.config .header { color: var(--accent); font-weight: 600; }
        .warnings { color: var(--bad); font-size: 12.5px; margin-top: 14px; }
        footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
        footer code { font-family: var(--mono); }
        @media (max-width: 720px) {
          .page { padding: 18px 14px 28px; }
          .charts { grid-template-columns: 1fr; }
          .sample-grid { grid-template-columns: 1fr; }
        }
        """
}
