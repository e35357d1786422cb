import Foundation

/// The HTML report of a run: one self-contained page (inline CSS and SVG; no script, no
/// font, nothing fetched) with
/// - summary cards (steps, training time, reward and KL at the start and the end; the
///   gold reward beside the learned one when a run logs `gold/mean`),
/// - a line chart per metric, grouped by family (`reward/*`, `kl/*`, `losses/*`,
///   `policy/*`, …): raw values faint, smoothed values solid, the `min`…`max` band
///   around a `mean`, round-number axes,
/// - the samples of the first and the last logged step (prompt, completion, reward),
/// - the run's `config.toml`, folded.
///
/// ```swift
/// let path = try RunReport.write(for: RunDirectory.open(at: "runs/ppo-demo"))
/// ```
public enum RunReport {
    /// What the report shows and how.
    public struct Options: Sendable {
        /// The page title; nil uses the run's name.
        public var title: String?
        /// Samples shown per table (the first ones logged at that step).
        public var samplesPerTable: Int = 8
        /// Prompts and completions are cut to this many characters.
        public var maximumTextLength: Int = 600
        /// The exponential smoothing weight in [0, 1) (0: none); nil chooses per series by
        /// its number of points (none for a handful, 0.9 for hundreds) and its noise (none
        /// for a series that is already smooth).
        public var smoothing: Double?

        /// Options with the defaults.
        public init(title: String? = nil, samplesPerTable: Int = 8, maximumTextLength: Int = 600, smoothing: Double? = nil) {
            self.title = title
            self.samplesPerTable = samplesPerTable
            self.maximumTextLength = maximumTextLength
            self.smoothing = smoothing
        }
    }

    /// Writes `report.html` into the run (atomically) and returns its path.
    @discardableResult
    public static func write(for run: RunDirectory, options: Options = Options()) throws -> String {
        try FileSystem.replaceFile(at: run.reportPath, with: Data(try html(for: run, options: options).utf8))
        return run.reportPath
    }

    /// The report of the run's files. Logs may be missing or still being written (a torn
    /// last line is ignored); malformed lines are skipped and listed on the page.
    public static func html(for run: RunDirectory, options: Options = Options()) throws -> String {
        var problems: [String] = []
        let collect: (RunError) -> Void = { problems.append($0.description) }
        let metrics = FileSystem.exists(run.metricsPath) ? try MetricsLog.read(path: run.metricsPath, malformed: collect) : []
        let samples = FileSystem.exists(run.samplesPath) ? try SamplesLog.read(path: run.samplesPath, malformed: collect) : []
        let config = FileSystem.exists(run.configPath) ? try run.configText() : nil
        return html(title: options.title ?? run.name, metrics: metrics, samples: samples, configText: config,
                    warnings: problems, options: options)
    }

    /// The report of the given records.
    /// - Parameter warnings: lines shown in red under the header (skipped log lines).
    public static func html(title: String, metrics: [MetricsRecord], samples: [SampleRecord], configText: String?,
                            warnings: [String] = [], options: Options = Options()) -> String {
        let families = MetricFamily.families(from: metrics)
        let steps = metrics.map(\.step)
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title)) · GenRL report</title>
            <style>
            \(ReportStyle.css)
            </style></head>
            <body><div class="page">
            <header><h1>\(HTMLText.escape(title))</h1>
            <p class="subtitle">\(subtitle(steps: steps, metricCount: families.reduce(0) { $0 + $1.series.count }, sampleCount: samples.count))</p>
            \(cards(metrics: metrics, families: families, sampleCount: samples.count))
            """
        if !warnings.isEmpty {
            page += "<div class=\"warnings\">" + warnings.prefix(20).map { "<div>skipped: \(HTMLText.escape($0))</div>" }.joined()
            if warnings.count > 20 { page += "<div>… and \(warnings.count - 20) more</div>" }
            page += "</div>"
        }
        page += "</header>\n<nav>"
        for family in families { page += "<a href=\"#metrics-\(anchor(family.name))\">\(HTMLText.escape(family.title))</a>" }
        page += "<a href=\"#samples\">Samples</a>"
        if configText != nil { page += "<a href=\"#config\">Configuration</a>" }
        page += "</nav>\n"

        if families.isEmpty {
            page += "<section><p class=\"empty-note\">No metrics were logged in metrics.jsonl.</p></section>\n"
        } else {
            page += """
                <section class="legend-section"><div class="legend"><span><i></i>smoothed (exponential moving average)</span>\
                <span><i class="raw"></i>raw values</span><span><i class="band"></i>min … max range, around a mean</span>\
                <span>x axis: training step</span></div></section>
                """
        }
        var extraColor = 0
        var chartIndex = 0
        for family in families {
            let color = ReportStyle.familyColors[family.name] ?? {
                defer { extraColor += 1 }
                return ReportStyle.extraColors[extraColor % ReportStyle.extraColors.count]
            }()
            page += "<section id=\"metrics-\(anchor(family.name))\" style=\"--series: \(color)\">"
            page += "<h2><span class=\"swatch\"></span>\(HTMLText.escape(family.title))"
            page += "<span class=\"count\">\(family.series.count) metric\(family.series.count == 1 ? "" : "s")</span></h2>\n"
            page += "<div class=\"charts\">\n"
            for series in family.series {
                chartIndex += 1
                page += chart(series, in: family, id: "c\(chartIndex)", options: options)
            }
            page += "</div></section>\n"
        }

        page += "<section id=\"samples\"><h2>Samples<span class=\"count\">\(samples.count) logged</span></h2>\n"
        page += SampleTables(samples: samples, rowsPerTable: options.samplesPerTable,
                             maximumTextLength: options.maximumTextLength).html()
        page += "</section>\n"
        if let configText {
            page += "<section id=\"config\"><details><summary>Configuration <span class=\"muted\">config.toml</span></summary>"
            page += "<pre class=\"config\">\(highlightedConfig(configText))</pre></details></section>\n"
        }
        page += """
            <footer>Made by GenRL from <code>metrics.jsonl</code> (\(metrics.count) lines) and <code>samples.jsonl</code> \
            (\(samples.count) lines). This page is self-contained and works offline.</footer>
            </div></body></html>

            """
        return page
    }

    // MARK: - Parts

    private static func subtitle(steps: [Int], metricCount: Int, sampleCount: Int) -> String {
        guard let first = steps.min(), let last = steps.max() else { return "GenRL run report · no steps logged yet" }
        return "GenRL run report · steps \(first)–\(last) · \(metricCount) metrics · \(sampleCount) samples"
    }

    /// Summary cards for the metrics a reader checks first.
    private static func cards(metrics: [MetricsRecord], families: [MetricFamily], sampleCount: Int) -> String {
        guard let last = metrics.max(by: { $0.step < $1.step }) else { return "" }
        let first = metrics.min(by: { $0.step < $1.step })!
        var cards: [(label: String, value: String, detail: String)] = []
        let stepsDone = last.step - first.step
        let rate = last.time > first.time && stepsDone > 0
            ? ReportFormat.value(Double(stepsDone) / (last.time - first.time)) + " steps/s" : "no rate yet"
        cards.append(("Steps", "\(last.step)", "logged from step \(first.step)"))
        if metrics.contains(where: { $0.time > 0 }) {
            cards.append(("Training time", ReportFormat.duration(last.time), rate))
        }
        let series = Dictionary(families.flatMap(\.series).map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        // With a gold reward (a task whose true reward is known but hidden from training),
        // the reward trained on is a learned one: the two cards side by side show
        // over-optimisation (learned reward up, gold reward flat or down).
        let rewardLabel = series["gold/mean"] == nil ? "Reward (mean)" : "Learned reward (mean)"
        for (key, label, higherIsBetter) in [("reward/mean", rewardLabel, true as Bool?), ("gold/mean", "Gold reward (mean)", true),
                                             ("kl/mean", "KL to reference", nil), ("policy/entropy", "Entropy", nil)] {
            guard let values = series[key], !values.finiteValues.isEmpty else { continue }
            let window = max(1, min(10, values.finiteValues.count / 10))
            let start = values.edgeMean(count: window, fromEnd: false)!, end = values.edgeMean(count: window, fromEnd: true)!
            let trend = higherIsBetter.map { better in end == start ? "" : ((end > start) == better ? "up" : "down") } ?? ""
            let arrow = end > start ? "▲" : end < start ? "▼" : "="
            let change = "<div class=\"change \(trend)\">\(arrow) \(ReportFormat.value(abs(end - start)))"
                + " <span class=\"was\">from \(ReportFormat.value(start))</span></div>"
            let detail = window == 1 ? "first → last step" : "means of the first and last \(window) steps"
            cards.append((label, ReportFormat.value(end) + change, detail))
        }
        cards.append(("Samples", "\(sampleCount)", "in samples.jsonl"))
        return "<div class=\"cards\">" + cards.map { card in
            "<div class=\"card\"><div class=\"label\">\(card.label)</div><div class=\"value\">\(card.value)</div><div class=\"detail\">\(card.detail)</div></div>"
        }.joined() + "</div>"
    }

    private static func chart(_ series: MetricSeries, in family: MetricFamily, id: String, options: Options) -> String {
        let smoothing = min(max(options.smoothing ?? series.automaticSmoothing, 0), 0.999)
        var chart = MetricChart(series: series, smoothing: smoothing)
        if series.shortName == "mean", let low = family.series(named: "min"), let high = family.series(named: "max") {
            chart.band = (low, high)
        }
        let lastValue = series.points.last(where: { $0.value.isFinite }).map { ReportFormat.value($0.value) } ?? "–"
        var notes: [String] = []
        let nonFinite = series.points.count - series.finiteValues.count
        if nonFinite > 0 { notes.append("\(nonFinite) non-finite value\(nonFinite == 1 ? "" : "s") not drawn") }
        if chart.clipsOutliers { notes.append("outliers beyond the axis are cut off") }
        let key = HTMLText.escape(series.key)
        return """
            <figure class="chart"><figcaption><span class="name">\(key)</span><span class="latest">last <b>\(lastValue)</b></span></figcaption>
            \(notes.isEmpty ? "" : "<div class=\"chart-note\">\(notes.joined(separator: " · "))</div>")
            \(chart.svg(label: series.key, id: id))
            </figure>

            """
    }

    /// An id fragment made of letters, digits, `-` and `_` only.
    private static func anchor(_ name: String) -> String {
        String(name.unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "_" ? Character(scalar) : "-"
        })
    }

    /// The config's text, escaped, with comment lines and table headers marked.
    private static func highlightedConfig(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            let escaped = HTMLText.escape(String(line))
            if trimmed.hasPrefix("#") { return "<span class=\"comment\">\(escaped)</span>" }
            if trimmed.hasPrefix("[") { return "<span class=\"header\">\(escaped)</span>" }
            return escaped
        }.joined(separator: "\n")
    }
}

/// How the report writes numbers and durations.
enum ReportFormat {
    /// Four significant digits (`0.6123`, `-12.35`, `1.23e-05`, `1235`).
    static func value(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "−∞" : "∞" }
        let magnitude = abs(number)
        if magnitude != 0, magnitude < 1e-3 || magnitude >= 1e6 { return String(format: "%.3g", number) }
        let text = String(format: "%.4g", number)
        return text == "-0" ? "0" : text
    }

    /// `42s`, `3m 12s`, `2h 05m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 60 { return String(format: seconds < 10 ? "%.1fs" : "%.0fs", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60)m \(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h \(String(format: "%02d", (total % 3600) / 60))m"
    }
}
