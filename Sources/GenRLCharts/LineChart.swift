import Foundation

/// A line chart written as SVG: several series over shared axes with round ticks, an
/// optional title, axis labels, legend, shaded bands and reference lines.
///
/// `svg()` writes a standalone document (white background, colours as attributes, no
/// scripts or external fonts), for files and docs; `inlineSVG(label:id:)` writes an
/// element for an HTML page, whose stylesheet can restyle it through the classes
/// (`grid`, `axis`, `x-axis`, `y-axis`, `baseline`, `empty` and each series' own).
/// Everything drawn inside the plot is clipped to it, so values outside a fixed y range
/// run off the plot.
public struct LineChart: Sendable {
    /// How the y axis chooses its range.
    public enum ValueRange: Sendable {
        /// The data's span (points, error bars, bands, horizontal reference lines) widened
        /// by this fraction of itself on each side; ticks at round values inside it.
        case data(padding: Double)
        /// The given span widened to round tick values at both ends.
        case rounded(ClosedRange<Double>)
        /// Exactly the given span; ticks at round values inside it.
        case fixed(ClosedRange<Double>)
    }

    /// Where the legend goes.
    public enum LegendPlacement: Sendable {
        /// No legend.
        case none
        /// Inside the plot, at its top left corner.
        case inside
        /// In the right margin, beside the plot's top.
        case right
    }

    /// What outlines the plot area.
    public enum Frame: Sendable {
        /// A rectangle around the plot.
        case box
        /// The left and bottom axis lines.
        case axes
        /// The bottom line only.
        case baseline
    }

    /// Distances from the edges of the image to the plot area, in pixels.
    public struct Margins: Sendable {
        /// Above the plot (the title goes here).
        public var top: Double
        /// Right of the plot (a `.right` legend and horizontal reference labels go here).
        public var right: Double
        /// Below the plot (x tick labels and the x label).
        public var bottom: Double
        /// Left of the plot (y tick labels and the y label).
        public var left: Double

        /// Margins in pixels.
        public init(top: Double, right: Double, bottom: Double, left: Double) {
            self.top = top
            self.right = right
            self.bottom = bottom
            self.left = left
        }
    }

    /// The title above the plot (empty: none).
    public var title: String
    /// The label under the x axis (empty: none).
    public var xLabel: String
    /// The label beside the y axis, written upwards (empty: none).
    public var yLabel: String
    /// The lines, drawn in order (later ones on top).
    public var series: [ChartSeries]
    /// Shaded areas, drawn under the lines.
    public var bands: [ChartBand] = []
    /// Horizontal and vertical reference lines, drawn under the bands and lines.
    public var referenceLines: [ReferenceLine] = []
    /// Width of the image, in pixels.
    public var width = 640.0
    /// Height of the image, in pixels.
    public var height = 400.0
    /// Distances from the image's edges to the plot.
    public var margins = Margins(top: 36, right: 16, bottom: 48, left: 64)
    /// The y range (default: the data's span padded by 8% on each side).
    public var valueRange = ValueRange.data(padding: 0.08)
    /// Points with x below this are left out of the chart (to skip an untrained start).
    public var xMinimum = -Double.infinity
    /// Whether x ticks are kept at whole numbers (steps, counts).
    public var wholeNumberXTicks = false
    /// About how many ticks each axis gets.
    public var tickCount = (x: 6, y: 5)
    /// Where the legend goes.
    public var legend = LegendPlacement.inside
    /// What outlines the plot area.
    public var frame = Frame.box
    /// Whether horizontal grid lines are drawn at the y ticks.
    public var drawsGrid = true
    /// Font size of the text, in pixels (the title is 2 pixels larger).
    public var fontSize = 12.0
    /// Shown in the middle of the plot when no series has a finite point.
    public var emptyMessage = "no data"

    /// A chart of `series` with the default layout (640 × 400, legend inside the plot).
    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [ChartSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The series with the points left of `xMinimum` removed.
    var drawnSeries: [ChartSeries] {
        guard xMinimum > -Double.infinity else { return series }
        return series.map { line in
            var kept = line
            let indices = line.points.indices.filter { line.points[$0].x >= xMinimum }
            kept.points = indices.map { line.points[$0] }
            kept.tooltips = line.tooltips.map { tips in indices.map { $0 < tips.count ? tips[$0] : "" } }
            kept.errors = line.errors.map { errors in indices.map { $0 < errors.count ? errors[$0] : 0 } }
            return kept
        }
    }

    /// The x and y axes of the drawn data: x spans the finite points exactly, y follows
    /// `valueRange`. Without data both span [0, 1].
    public func axes() -> (x: ChartAxis, y: ChartAxis) {
        let lines = drawnSeries
        let points = lines.flatMap { $0.finiteSegments.joined() }
        let bandPoints = bands.flatMap(\.points).filter { $0.x.isFinite && $0.x >= xMinimum }
        let xs = points.map(\.x) + bandPoints.map(\.x)
        var ys = points.map(\.y) + bandPoints.flatMap { [$0.lower, $0.upper] }
        for line in lines {
            guard let errors = line.errors else { continue }
            for (index, point) in line.points.enumerated() where index < errors.count && point.y.isFinite && errors[index].isFinite {
                ys += [point.y - errors[index], point.y + errors[index]]
            }
        }
        ys += referenceLines.filter { $0.orientation == .horizontal }.map(\.value)
        ys = ys.filter(\.isFinite)
        let xAxis = ChartAxis.exact(minimum: xs.min() ?? 0, maximum: xs.max() ?? 1, tickCount: tickCount.x,
                                    wholeNumbers: wholeNumberXTicks)
        let yAxis: ChartAxis
        switch valueRange {
        case .data(let padding):
            let low = ys.min() ?? 0, high = ys.max() ?? 1
            let pad = max((high - low) * padding, max(abs(high), abs(low), 1) * 1e-6)
            yAxis = ChartAxis.exact(minimum: low - pad, maximum: high + pad, tickCount: tickCount.y)
        case .rounded(let span):
            yAxis = ChartAxis.rounded(minimum: span.lowerBound, maximum: span.upperBound, tickCount: tickCount.y)
        case .fixed(let span):
            yAxis = ChartAxis.exact(minimum: span.lowerBound, maximum: span.upperBound, tickCount: tickCount.y)
        }
        return (xAxis, yAxis)
    }

    /// Writes the standalone SVG document to `url`, creating its folder.
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try svg().write(to: url, atomically: true, encoding: .utf8)
    }
}
