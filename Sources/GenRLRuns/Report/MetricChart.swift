import Foundation
import GenRLCharts

/// The report's chart of one metric over the steps, drawn by GenRLCharts' `LineChart`:
/// the raw values as a faint line (dots when there are few), the smoothed values as a
/// solid line (the raw line alone, solid, when the series needs no smoothing), and
/// optionally a shaded band (the family's `min`…`max` around its `mean`). Colours come
/// from the CSS variable `--series` of the enclosing element, through the classes `raw`,
/// `smooth`, `dot`, `last` and `band`, so one stylesheet themes every chart.
struct MetricChart {
    let series: MetricSeries
    /// Lower and upper edges of a shaded band, aligned with `series` by step.
    var band: (lower: MetricSeries, upper: MetricSeries)?
    /// The smoothing weight (see `MetricSeries.smoothed`).
    let smoothing: Double

    /// Above this many points the raw line is drawn from per-bucket minima and maxima.
    let maximumRawPoints = 800
    /// At most this many points get a dot (with a tooltip).
    let maximumDots = 80

    /// Whether some values lie outside the drawn value range (see `valueRange`).
    var clipsOutliers: Bool { valueRange().clipped }

    /// The value range: over every finite value (and the band), unless a few outliers
    /// would squash the rest, in which case over the 1st…99th percentile range widened
    /// by a fifth, and the outliers run off the plot.
    func valueRange() -> (range: ClosedRange<Double>, clipped: Bool) {
        var values = series.finiteValues
        if let band { values += band.lower.finiteValues + band.upper.finiteValues }
        guard let minimum = values.min(), let maximum = values.max() else { return (0...1, false) }
        if values.count >= 20 {
            let sorted = values.sorted()
            let low = sorted[Int(Double(sorted.count - 1) * 0.01)]
            let high = sorted[Int((Double(sorted.count - 1) * 0.99).rounded(.up))]
            let core = high - low
            if core > 0, maximum - minimum > 5 * core {
                let pad = core * 0.2
                return (max(minimum, low - pad)...min(maximum, high + pad), true)
            }
        }
        return (minimum...maximum, false)
    }

    /// The chart as an `<svg>` element; `label` is its accessible name and `id` a name
    /// unique within the page (for the plot's clip path).
    func svg(label: String, id: String) -> String {
        var lines: [ChartSeries] = []
        let raw = series.points.count > maximumRawPoints ? envelope(series.points, buckets: maximumRawPoints / 2) : series.points
        // Without smoothing the "smoothed" line is the raw one, drawn solid below.
        if smoothing > 0 {
            lines.append(ChartSeries(points: raw.map { (Double($0.step), $0.value) }, cssClass: "raw"))
        }
        if series.points.count <= maximumDots {
            lines.append(ChartSeries(points: series.points.map { (Double($0.step), $0.value) }, cssClass: "dot",
                                     drawsLine: false, dotRadius: 2.4,
                                     tooltips: series.points.map { "step \($0.step): \(ReportFormat.value($0.value))" }))
        }
        let smoothedPoints = thin(zip(series.points, series.smoothed(weight: smoothing)).map { (x: Double($0.0.step), y: $0.1) },
                                  to: maximumRawPoints)
        let solid = smoothing > 0 || series.points.count <= maximumRawPoints ? smoothedPoints : raw.map { (Double($0.step), $0.value) }
        lines.append(ChartSeries(points: solid, cssClass: "smooth"))
        if let last = smoothedPoints.last(where: { $0.y.isFinite }) {
            lines.append(ChartSeries(points: [last], cssClass: "last", drawsLine: false, dotRadius: 3.6))
        }

        var chart = LineChart(series: lines)
        if let band {
            // The band's edges are smoothed like the line, so that it shows the spread's trend.
            let upper = Dictionary(zip(band.upper.points.map(\.step), band.upper.smoothed(weight: smoothing)).map { ($0, $1) },
                                   uniquingKeysWith: { $1 })
            let points = zip(band.lower.points, band.lower.smoothed(weight: smoothing)).compactMap { point, low -> (x: Double, lower: Double, upper: Double)? in
                guard let high = upper[point.step], high.isFinite, low.isFinite else { return nil }
                return (Double(point.step), low, high)
            }
            chart.bands = [ChartBand(points: thin(points, to: maximumRawPoints), cssClass: "band")]
        }
        chart.width = 400
        chart.height = 200
        chart.margins = LineChart.Margins(top: 8, right: 10, bottom: 26, left: 46)
        chart.valueRange = .rounded(valueRange().range)
        chart.wholeNumberXTicks = true
        chart.legend = .none
        chart.frame = .baseline
        chart.emptyMessage = "no finite values"
        return chart.inlineSVG(label: label, id: id)
    }

    // MARK: - Thinning long series

    /// Every k-th element (and the last) so that at most about `limit` remain.
    private func thin<Element>(_ elements: [Element], to limit: Int) -> [Element] {
        guard elements.count > limit else { return elements }
        let stride = (elements.count + limit - 1) / limit
        var result = Swift.stride(from: 0, to: elements.count, by: stride).map { elements[$0] }
        if (elements.count - 1) % stride != 0 { result.append(elements[elements.count - 1]) }
        return result
    }

    /// Each bucket's minimum and maximum, in step order: a long noisy series keeps its
    /// spread when drawn with few points.
    private func envelope(_ points: [(step: Int, value: Double)], buckets: Int) -> [(step: Int, value: Double)] {
        let size = (points.count + buckets - 1) / buckets
        var result: [(step: Int, value: Double)] = []
        for start in Swift.stride(from: 0, to: points.count, by: size) {
            let bucket = points[start..<min(start + size, points.count)]
            let finite = bucket.filter { $0.value.isFinite }
            guard let low = finite.min(by: { $0.value < $1.value }), let high = finite.max(by: { $0.value < $1.value }) else {
                result.append(bucket.first!)
                continue
            }
            result += low.step <= high.step ? [low, high] : [high, low]
        }
        return result
    }
}
