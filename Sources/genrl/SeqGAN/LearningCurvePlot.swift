import Foundation

/// A small SVG line chart of one metric from runs' `metrics.jsonl` files, for the
/// results page: MLE epochs on the x axis, then adversarial rounds continuing after the
/// last epoch (one round per unit, as in SeqGAN's learning-curve figure), with a dashed
/// line where adversarial training starts and optional horizontal reference lines.
///
/// genrl seqgan plot OUT.svg --metric nll_oracle [--title TEXT] [--reference VALUE:LABEL]...
///                   [--x-min X] RUN_DIRECTORY[:LABEL]...
struct LearningCurvePlot {
    struct Series {
        var label: String
        var points: [(x: Double, y: Double)]
        var adversarialStart: Double?
    }

    var metric: String
    var title: String
    var series: [Series] = []
    var references: [(value: Double, label: String)] = []
    /// Points left of this x are not drawn (to skip an untrained start).
    var xMinimum = -Double.infinity

    /// Reads `metric` from the `mle` and `adversarial` lines of `directory/metrics.jsonl`.
    static func series(directory: String, label: String, metric: String) throws -> Series {
        let text = try String(contentsOfFile: directory + "/metrics.jsonl", encoding: .utf8)
        var points: [(Double, Double)] = []
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
        return Series(label: label, points: points, adversarialStart: adversarialStart)
    }

    /// The chart as an SVG document (640 × 360).
    func svg() -> String {
        let width = 640.0, height = 360.0
        let left = 64.0, right = 180.0, top = 36.0, bottom = 44.0
        let series = self.series.map { line in
            Series(label: line.label, points: line.points.filter { $0.x >= xMinimum }, adversarialStart: line.adversarialStart)
        }
        let all = series.flatMap(\.points)
        let xs = all.map(\.x), ys = all.map(\.y) + references.map(\.value)
        guard let xMin = xs.min(), let xMax = xs.max(), let yMinimum = ys.min(), let yMaximum = ys.max() else { return "" }
        let padding = (yMaximum - yMinimum) * 0.05 + 1e-9
        let (yMin, yMax) = (yMinimum - padding, yMaximum + padding)
        func px(_ x: Double) -> Double { left + (x - xMin) / max(xMax - xMin, 1e-9) * (width - left - right) }
        func py(_ y: Double) -> Double { top + (yMax - y) / (yMax - yMin) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="20" font-size="13">\(escape(title))</text>

        """
        // Axes and ticks.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(height - bottom))\" x2=\"\(f(width - right))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>\n"
        for i in 0...5 {
            let y = yMin + (yMax - yMin) * Double(i) / 5
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(String(format: "%.3g", y))</text>\n"
            let x = xMin + (xMax - xMin) * Double(i) / 5
            out += "<text x=\"\(f(px(x)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(Int(x.rounded()))</text>\n"
        }
        out += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">MLE epoch, then adversarial round</text>\n"
        out += "<text x=\"14\" y=\"\(f((top + height - bottom) / 2))\" transform=\"rotate(-90 14 \(f((top + height - bottom) / 2)))\" text-anchor=\"middle\">\(escape(metric))</text>\n"
        // Reference lines.
        for reference in references {
            let y = py(reference.value)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#888\" stroke-dasharray=\"2,3\"/>\n"
            out += "<text x=\"\(f(width - right + 6))\" y=\"\(f(y + 4))\" fill=\"#555\">\(escape(reference.label))</text>\n"
        }
        // Series.
        for (index, line) in series.enumerated() {
            let color = colors[index % colors.count]
            if let start = line.adversarialStart {
                out += "<line x1=\"\(f(px(start)))\" y1=\"\(f(top))\" x2=\"\(f(px(start)))\" y2=\"\(f(height - bottom))\" stroke=\"\(color)\" stroke-dasharray=\"5,4\" opacity=\"0.6\"/>\n"
            }
            let path = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(path)\"/>\n"
            // Legend, top right, one row per series.
            let legendY = top + 6 + 16 * Double(index)
            out += "<line x1=\"\(f(width - right + 6))\" y1=\"\(f(legendY))\" x2=\"\(f(width - right + 26))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(f(width - right + 30))\" y=\"\(f(legendY + 4))\">\(escape(line.label))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
