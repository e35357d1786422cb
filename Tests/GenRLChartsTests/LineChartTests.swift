import Foundation
import GenRLCharts
import Testing

@Suite struct LineChartTests {
    /// How often `needle` occurs in `text`.
    private func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// The numbers of the tick labels of one axis group (`x-axis` or `y-axis`).
    private func tickLabels(_ svg: String, axis: String) throws -> [Double] {
        let start = try #require(svg.range(of: "<g class=\"axis \(axis)\"")).upperBound
        let end = try #require(svg.range(of: "</g>", range: start..<svg.endIndex)).lowerBound
        return svg[start..<end].components(separatedBy: "\">").dropFirst().compactMap { piece in
            Double(piece.prefix { $0 != "<" })
        }
    }

    @Test func oneLinePerSeriesAndALegendEntryPerNamedSeries() {
        let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [
            ChartSeries(name: "first", points: [(0, 1), (1, 2), (2, 3)], color: "#111"),
            ChartSeries(name: "second", points: [(0, 3), (1, 1)], color: "#222", dashed: true),
            ChartSeries(points: [(0, 2), (2, 2)], color: "#333"),
        ])
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        #expect(count("<path", in: svg) == 3)
        #expect(count("stroke-dasharray=\"6 4\"", in: svg) == 2)  // the dashed line and its legend entry
        #expect(svg.contains(">first</text>") && svg.contains(">second</text>"))
        #expect(!svg.contains("<script"))
    }

    @Test func theTicksCoverTheDataRange() throws {
        let chart = LineChart(series: [ChartSeries(points: [(3, -0.37), (17, 2.4), (40, 1.1)])])
        let svg = chart.svg()
        let xTicks = try tickLabels(svg, axis: "x-axis"), yTicks = try tickLabels(svg, axis: "y-axis")
        #expect(xTicks.count >= 3 && yTicks.count >= 3)
        // x spans the data exactly: ticks inside [3, 40], less than a step from each end.
        let xStep = xTicks[1] - xTicks[0]
        #expect(xTicks.first! >= 3 && xTicks.first! - 3 < xStep && xTicks.last! <= 40 && 40 - xTicks.last! < xStep)
        // y is padded around the data; its ticks reach within one step of both ends.
        let yStep = yTicks[1] - yTicks[0]
        #expect(yTicks.first! - yStep <= -0.37 && yTicks.last! + yStep >= 2.4)
        let axes = chart.axes()
        #expect(axes.y.lower < -0.37 && axes.y.upper > 2.4 && axes.x.lower == 3 && axes.x.upper == 40)
    }

    @Test func aRoundedRangeEndsOnTicks() {
        var chart = LineChart(series: [ChartSeries(points: [(0, 0.13), (1, 0.87)])])
        chart.valueRange = .rounded(0.13...0.87)
        let axis = chart.axes().y
        #expect(axis.lower <= 0.13 && axis.upper >= 0.87)
        #expect(axis.ticks.first == axis.lower && axis.ticks.last == axis.upper)
    }

    @Test func textIsEscaped() {
        let chart = LineChart(title: "a < b & \"c\"", xLabel: "<x>", yLabel: "y's", series: [
            ChartSeries(name: "<script>", points: [(0, 1), (1, 2)], dotRadius: 2, tooltips: ["a&b", "<i>"]),
        ])
        let svg = chart.svg()
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot;") && svg.contains("&lt;x&gt;") && svg.contains("y&#39;s"))
        #expect(svg.contains("&lt;script&gt;") && !svg.contains("<script>"))
        #expect(svg.contains("<title>a&amp;b</title>") && svg.contains("<title>&lt;i&gt;</title>"))
        let inline = chart.inlineSVG(label: "\"quoted\"", id: "k")
        #expect(inline.contains("aria-label=\"&quot;quoted&quot;\""))
    }

    @Test func emptyAndNonFiniteSeriesAreDrawnWithoutLines() {
        let empty = LineChart(title: "nothing", series: [ChartSeries(name: "none", points: [])])
        let svg = empty.svg()
        #expect(count("<path", in: svg) == 0 && svg.contains("no data"))
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        let noSeries = LineChart(series: []).inlineSVG(label: "l", id: "i")
        #expect(noSeries.hasSuffix("</svg>") && noSeries.contains("no data"))
        let nonFinite = LineChart(series: [ChartSeries(points: [(0, .nan), (1, .infinity)], dotRadius: 2)]).svg()
        #expect(count("<path", in: nonFinite) == 0 && count("<circle", in: nonFinite) == 0 && !nonFinite.contains("nan"))
    }

    @Test func aNonFiniteValueBreaksTheLine() {
        let chart = LineChart(series: [ChartSeries(points: [(0, 1), (1, 2), (2, .nan), (3, 1), (4, 3)], dotRadius: 2)])
        let svg = chart.svg()
        #expect(count("<path", in: svg) == 2)
        #expect(count("<circle", in: svg) == 4)
    }

    @Test func pointsLeftOfTheMinimumAreLeftOut() {
        var chart = LineChart(series: [ChartSeries(points: [(0, 100), (1, 2), (2, 3), (3, 2.5)], dotRadius: 2,
                                                   tooltips: ["zero", "one", "two", "three"])])
        chart.xMinimum = 1
        let axes = chart.axes()
        #expect(axes.x.lower == 1 && axes.y.upper < 100)
        let svg = chart.svg()
        #expect(count("<circle", in: svg) == 3 && !svg.contains("zero") && svg.contains("<title>one</title>"))
    }

    @Test func referenceLinesAreDrawnLabelledAndWidenTheRange() {
        var chart = LineChart(series: [ChartSeries(name: "run", points: [(0, 1), (10, 2)])])
        chart.referenceLines = [ReferenceLine(.horizontal, at: 5, label: "target & goal"),
                                ReferenceLine(.vertical, at: 4, color: "#f00", dashPattern: "5,4")]
        #expect(chart.axes().y.upper >= 5)
        let svg = chart.svg()
        #expect(svg.contains("stroke-dasharray=\"2,3\"") && svg.contains("stroke-dasharray=\"5,4\""))
        #expect(svg.contains(">target &amp; goal</text>"))
    }

    @Test func errorBarsAndBandsWidenTheRange() {
        var chart = LineChart(series: [ChartSeries(points: [(0, 1), (1, 1)], errors: [0.5, 3])])
        #expect(chart.axes().y.upper >= 4 && chart.axes().y.lower <= 0.5)
        chart.bands = [ChartBand(points: [(0, -7, 1), (1, 0, 1)], cssClass: "band")]
        #expect(chart.axes().y.lower <= -7)
        #expect(count("<polygon class=\"band\"", in: chart.svg()) == 1)
    }

    @Test func theInlineFormScalesAndUsesItsClipID() {
        let chart = LineChart(series: [ChartSeries(points: [(0, 1), (1, 2)], cssClass: "smooth")])
        let svg = chart.inlineSVG(label: "reward/mean", id: "reward-mean")
        #expect(svg.hasPrefix("<svg class=\"chart-svg\" viewBox=") && !svg.contains("width=\"640\" height"))
        #expect(svg.contains("<clipPath id=\"clip-reward-mean\">") && svg.contains("clip-path=\"url(#clip-reward-mean)\""))
        #expect(svg.contains("<path class=\"smooth\""))
    }
}

@Suite struct ChartAxisTests {
    @Test func roundedAxesEndOnNiceSteps() {
        let axis = ChartAxis.rounded(minimum: 0.13, maximum: 0.87)
        #expect([0.1, 0.2, 0.25, 0.5].contains(axis.tickStep))
        #expect(axis.lower <= 0.13 && axis.upper >= 0.87)
        #expect(axis.label(0.5) == (axis.tickStep == 0.25 ? "0.50" : "0.5"))
    }

    @Test func exactAxesKeepTheirSpanAndWholeNumbers() {
        let axis = ChartAxis.exact(minimum: 1, maximum: 4, wholeNumbers: true)
        #expect(axis.lower == 1 && axis.upper == 4 && axis.tickStep >= 1)
        #expect(axis.ticks.allSatisfy { $0 == $0.rounded() && $0 >= 1 && $0 <= 4 })
        let degenerate = ChartAxis.exact(minimum: 3, maximum: 3)
        #expect(degenerate.upper > degenerate.lower)
    }

    @Test func largeAndTinyLabels() {
        #expect(ChartAxis.format(25_000, step: 5_000) == "25k")
        #expect(ChartAxis.format(0, step: 0.1) == "0")
        #expect(ChartAxis.format(0.00002, step: 0.00001).contains("e-"))
    }
}
