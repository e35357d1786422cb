import Foundation

/// An inline SVG line chart of one metric over the steps: the raw values as a faint line
/// (dots when there are few), the smoothed values as a solid line (the raw line alone,
/// solid, when the series needs no smoothing), and optionally a
/// shaded band (the family's `min`…`max` around its `mean`). Colours come from the CSS
/// variable `--series` of the enclosing element, so one stylesheet themes every chart.
struct LineChart {
    let series: MetricSeries
    /// Lower and upper edges of a shaded band, aligned with `series` by step.
    var band: (lower: MetricSeries, upper: MetricSeries)?
    /// The smoothing weight (see `MetricSeries.smoothed`).
    let smoothing: Double

    let width = 400.0
    let height = 200.0
    let left = 46.0, right = 10.0, top = 8.0, bottom = 26.0
    /// Above this many points the raw line is drawn from per-bucket minima and maxima.
    let maximumRawPoints = 800
    /// At most this many points get a dot (with a tooltip).
    let maximumDots = 80

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }

    /// Whether some values lie outside the drawn value range (see `valueAxis`).
    var clipsOutliers: Bool { valueAxis().clipped }

    /// The value axis: over every finite value (and the band), unless a few outliers
    /// would squash the rest, in which case over the 1st…99th percentile range widened
    /// by a fifth, and the outliers run off the plot.
    func valueAxis() -> (axis: ChartAxis, clipped: Bool) {
        var values = series.finiteValues
        if let band { values += band.lower.finiteValues + band.upper.finiteValues }
        guard let minimum = values.min(), let maximum = values.max() else {
            return (ChartAxis.values(minimum: 0, maximum: 1), false)
        }
        if values.count >= 20 {
            let sorted = values.sorted()
            let low = sorted[Int(Double(sorted.count - 1) * 0.01)]
            let high = sorted[Int((Double(sorted.count - 1) * 0.99).rounded(.up))]
            let core = high - low
            if core > 0, maximum - minimum > 5 * core {
                let pad = core * 0.2
                return (ChartAxis.values(minimum: max(minimum, low - pad), maximum: min(maximum, high + pad)), true)
            }
        }
        return (ChartAxis.values(minimum: minimum, maximum: maximum), false)
    }

    /// The chart as an `<svg>` element; `label` is its accessible name and `id` a name
    /// unique within the page (for the plot's clip path).
    func svg(label: String, id: String) -> String {
        let (yAxis, _) = valueAxis()
        let steps = series.points.map(\.step)
        let xAxis = ChartAxis.steps(first: steps.first ?? 0, last: steps.last ?? 1)
        func x(_ step: Int) -> Double { left + xAxis.fraction(Double(step)) * plotWidth }
        func y(_ value: Double) -> Double { top + (1 - yAxis.fraction(value)) * plotHeight }

        let clipID = "clip-" + id
        var svg = """
            <svg class="chart-svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTMLText.escape(label))">
            <defs><clipPath id="\(clipID)"><rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)"/></clipPath></defs>
            <g class="grid">
            """
        for tick in yAxis.ticks {
            let position = format(y(tick))
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(position)\" y2=\"\(position)\"/>"
        }
        svg += "</g>\n<g class=\"axis y-axis\">"
        for tick in yAxis.ticks {
            svg += "<text x=\"\(left - 7)\" y=\"\(format(y(tick)))\" dy=\"0.32em\" text-anchor=\"end\">\(yAxis.label(tick))</text>"
        }
        svg += "</g>\n<g class=\"axis x-axis\">"
        svg += "<line class=\"baseline\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(top + plotHeight)\" y2=\"\(top + plotHeight)\"/>"
        for tick in xAxis.ticks {
            let position = format(left + xAxis.fraction(tick) * plotWidth)
            svg += "<line x1=\"\(position)\" x2=\"\(position)\" y1=\"\(top + plotHeight)\" y2=\"\(top + plotHeight + 4)\"/>"
            svg += "<text x=\"\(position)\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\">\(xAxis.label(tick))</text>"
        }
        svg += "</g>\n<g clip-path=\"url(#\(clipID))\">"

        if let band {
            // The band's edges are smoothed like the line, so that it shows the spread's trend.
            let lowerValues = band.lower.smoothed(weight: smoothing)
            let upperValues = band.upper.smoothed(weight: smoothing)
            let upper = Dictionary(zip(band.upper.points.map(\.step), upperValues).map { ($0, $1) }, uniquingKeysWith: { $1 })
            let pairs = zip(band.lower.points, lowerValues).compactMap { point, low -> (Int, Double, Double)? in
                guard let high = upper[point.step], high.isFinite, low.isFinite else { return nil }
                return (point.step, low, high)
            }
            if pairs.count > 1 {
                let thinned = thin(pairs, to: maximumRawPoints)
                let top = thinned.map { "\(format(x($0.0))),\(format(y($0.2)))" }
                let bottom = thinned.reversed().map { "\(format(x($0.0))),\(format(y($0.1)))" }
                svg += "<polygon class=\"band\" points=\"\((top + bottom).joined(separator: " "))\"/>"
            }
        }

        let raw = series.points.count > maximumRawPoints ? envelope(series.points, buckets: maximumRawPoints / 2) : series.points
        // Without smoothing the "smoothed" line is the raw one, drawn solid below.
        if smoothing > 0 {
            for segment in finiteSegments(raw) where segment.count > 1 {
                svg += "<path class=\"raw\" d=\"\(pathData(segment, x: x, y: y))\"/>"
            }
        }
        if series.points.count <= maximumDots {
            for point in series.points where point.value.isFinite {
                svg += "<circle class=\"dot\" cx=\"\(format(x(point.step)))\" cy=\"\(format(y(point.value)))\" r=\"2.4\">"
                svg += "<title>step \(point.step): \(ReportFormat.value(point.value))</title></circle>"
            }
        }
        let smoothedValues = series.smoothed(weight: smoothing)
        let smoothedPoints = thin(Array(zip(series.points.map(\.step), smoothedValues)).map { (step: $0.0, value: $0.1) },
                                  to: maximumRawPoints)
        let solid = smoothing > 0 || series.points.count <= maximumRawPoints ? smoothedPoints : raw
        for segment in finiteSegments(solid) where segment.count > 1 {
            svg += "<path class=\"smooth\" d=\"\(pathData(segment, x: x, y: y))\"/>"
        }
        if let last = smoothedPoints.last(where: { $0.value.isFinite }) {
            svg += "<circle class=\"last\" cx=\"\(format(x(last.step)))\" cy=\"\(format(y(last.value)))\" r=\"3.6\"/>"
        }
        svg += "</g>\n"
        if series.finiteValues.isEmpty {
            svg += "<text class=\"empty\" x=\"\(left + plotWidth / 2)\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\">no finite values</text>"
        }
        svg += "</svg>"
        return svg
    }

    // MARK: - Geometry helpers

    private func format(_ coordinate: Double) -> String {
        String(format: "%.1f", coordinate)
    }

    private func pathData(_ points: [(step: Int, value: Double)], x: (Int) -> Double, y: (Double) -> Double) -> String {
        points.enumerated().map { index, point in
            (index == 0 ? "M" : "L") + format(x(point.step)) + " " + format(y(point.value))
        }.joined(separator: " ")
    }

    /// Runs of consecutive finite points (a non-finite value breaks the line).
    private func finiteSegments(_ points: [(step: Int, value: Double)]) -> [[(step: Int, value: Double)]] {
        var segments: [[(step: Int, value: Double)]] = [[]]
        for point in points {
            if point.value.isFinite {
                segments[segments.count - 1].append(point)
            } else if !segments[segments.count - 1].isEmpty {
                segments.append([])
            }
        }
        return segments
    }

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
