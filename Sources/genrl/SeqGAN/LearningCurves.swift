import Foundation
import GenRLCharts

/// The learning curves of `genrl seqgan plot`: one metric from runs' `metrics.jsonl`
/// files, MLE epochs on the x axis, then adversarial rounds continuing after the last
/// epoch (one round per unit, as in SeqGAN's learning-curve figure), with a dashed line
/// where adversarial training starts and optional horizontal reference lines, drawn by
/// GenRLCharts' `LineChart`.
///
/// genrl seqgan plot OUT.svg --metric nll_oracle [--title TEXT] [--reference VALUE:LABEL]...
///                   [--x-min X] RUN_DIRECTORY[:LABEL]...
enum LearningCurves {
    /// One run's curve.
    struct Run {
        var label: String
        var points: [(x: Double, y: Double)]
        /// The x where adversarial training starts (the last MLE epoch), if it does.
        var adversarialStart: Double?
    }

    /// Reads `metric` from the `mle` and `adversarial` lines of `directory/metrics.jsonl`.
    static func run(directory: String, label: String, metric: String) throws -> Run {
        let text = try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8)
        var points: [(x: Double, y: Double)] = []
        var lastEpoch = 0.0
        var adversarialStart: Double?
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let phase = object["phase"] as? String, let step = object["step"] as? Double else { continue }
            switch phase {
            case "mle":
                lastEpoch = step
                if let value = object[metric] as? Double { points.append((step, value)) }
            case "adversarial":
                if adversarialStart == nil { adversarialStart = lastEpoch }
                if let value = object[metric] as? Double { points.append((lastEpoch + step, value)) }
            default:
                continue
            }
        }
        return Run(label: label, points: points, adversarialStart: adversarialStart)
    }

    /// The chart (640 × 360, legend and reference labels in the right margin); points
    /// left of `xMinimum` are not drawn (to skip an untrained start).
    static func chart(runs: [Run], metric: String, title: String, references: [(value: Double, label: String)],
                      xMinimum: Double) -> LineChart {
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
        var chart = LineChart(title: title, xLabel: "MLE epoch, then adversarial round", yLabel: metric,
                              series: runs.enumerated().map { index, run in
                                  ChartSeries(name: run.label, points: run.points, color: colors[index % colors.count], lineWidth: 1.6)
                              })
        chart.referenceLines = references.map { ReferenceLine(.horizontal, at: $0.value, label: $0.label) }
        for (index, run) in runs.enumerated() {
            guard let start = run.adversarialStart, start >= xMinimum else { continue }
            chart.referenceLines.append(ReferenceLine(.vertical, at: start, color: colors[index % colors.count],
                                                      dashPattern: "5,4", opacity: 0.6))
        }
        chart.xMinimum = xMinimum
        chart.height = 360
        chart.margins = LineChart.Margins(top: 36, right: 180, bottom: 44, left: 64)
        chart.valueRange = .data(padding: 0.05)
        chart.wholeNumberXTicks = true
        chart.legend = .right
        chart.frame = .axes
        chart.drawsGrid = false
        chart.fontSize = 11
        return chart
    }
}
