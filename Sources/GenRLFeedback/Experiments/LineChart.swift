import Foundation

/// A small line chart written as standalone SVG (no scripts, no external fonts), for the
/// curves in the docs.
public struct LineChart {
    /// One line: its name in the legend, its points, its colour, and optional error bars
    /// (half-widths, one per point).
    public struct Series {
        /// The legend text.
        public var name: String
        /// The (x, y) points, in order.
        public var points: [(x: Double, y: Double)]
        /// An SVG colour.
        public var color: String
        /// Half-widths of error bars, one per point (nil: none).
        public var errors: [Double]?
        /// Whether the line is dashed.
        public var dashed: Bool

        /// A line with its style.
        public init(name: String, points: [(x: Double, y: Double)], color: String, errors: [Double]? = nil, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.errors = errors
            self.dashed = dashed
        }
    }

    /// The title above the plot.
    public var title: String
    /// The label of the x axis.
    public var xLabel: String
    /// The label of the y axis.
    public var yLabel: String
    /// The lines.
    public var series: [Series]
    /// Width in pixels.
    public var width = 640.0
    /// Height in pixels.
    public var height = 400.0
    /// Fixed y range (nil: from the data, padded).
    public var yRange: ClosedRange<Double>?

    /// A chart of `series`.
    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    /// The SVG document.
    public func svg() -> String {
        let (left, right, top, bottom) = (64.0, 16.0, 36.0, 48.0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { s in s.points.enumerated().flatMap { i, p in [p.y - (s.errors?[i] ?? 0), p.y + (s.errors?[i] ?? 0)] } }
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, xMin + 1e-9)
        var yMin = ys.min() ?? 0, yMax = ys.max() ?? 1
        if let yRange { (yMin, yMax) = (yRange.lowerBound, yRange.upperBound) } else {
            let pad = max((yMax - yMin) * 0.08, 1e-6)
            (yMin, yMax) = (yMin - pad, yMax + pad)
        }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>

            """
        for tick in Self.ticks(yMin, yMax) {
            out += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(py(tick)))\" y2=\"\(f(py(tick)))\" stroke=\"#e5e5e5\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        for tick in Self.ticks(xMin, xMax) {
            out += "<line x1=\"\(f(px(tick)))\" x2=\"\(f(px(tick)))\" y1=\"\(f(top + plotHeight))\" y2=\"\(f(top + plotHeight + 4))\" stroke=\"black\"/>"
            out += "<text x=\"\(f(px(tick)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for s in series {
            let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(path)\"/>\n"
            for (i, p) in s.points.enumerated() {
                out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(s.color)\"/>"
                if let e = s.errors?[i], e > 0 {
                    out += "<line x1=\"\(f(px(p.x)))\" x2=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - e)))\" y2=\"\(f(py(p.y + e)))\" stroke=\"\(s.color)\"/>"
                }
            }
            out += "\n"
        }
        for (i, s) in series.enumerated() {
            let y = top + 14 + Double(i) * 16
            out += "<line x1=\"\(f(left + 10))\" x2=\"\(f(left + 34))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            out += "<text x=\"\(f(left + 40))\" y=\"\(f(y))\">\(escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Writes the SVG to `url`.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try svg().write(to: url, atomically: true, encoding: .utf8)
    }

    /// About five round ticks over [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = max(high - low, 1e-12)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = ceil(low / step) * step, result: [Double] = []
        while tick <= high + step * 1e-9 { result.append(tick); tick += step }
        return result
    }

    static func label(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(format: "%.2f", value)
    }
}
