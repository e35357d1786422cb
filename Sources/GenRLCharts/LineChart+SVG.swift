import Foundation

extension LineChart {
    /// The chart as a standalone SVG document (`xmlns`, a fixed size, a white background,
    /// sans-serif text).
    public func svg() -> String {
        let fontSize = format(self.fontSize)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="\(fontSize)">
            <rect width="100%" height="100%" fill="white"/>

            """ + body(clipID: "plot-area") + "</svg>\n"
    }

    /// The chart as an `<svg>` element to place in an HTML page: it scales with its
    /// container (viewBox only), takes its font from the page, `label` is its accessible
    /// name and `id` a name unique within the page (for the plot's clip path).
    public func inlineSVG(label: String, id: String) -> String {
        """
        <svg class="chart-svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(Self.escape(label))">

        """ + body(clipID: "clip-" + id) + "</svg>"
    }

    /// Everything inside the `<svg>` element.
    private func body(clipID: String) -> String {
        let (xAxis, yAxis) = axes()
        let lines = drawnSeries
        let (left, top) = (margins.left, margins.top)
        let plotWidth = width - margins.left - margins.right, plotHeight = height - margins.top - margins.bottom
        let (right, bottom) = (left + plotWidth, top + plotHeight)
        func x(_ value: Double) -> String { format(left + xAxis.fraction(value) * plotWidth) }
        func y(_ value: Double) -> String { format(top + (1 - yAxis.fraction(value)) * plotHeight) }

        // The clip leaves room for a dot's radius around the plot, so that end points stay whole.
        let overshoot = 4.0
        var out = "<defs><clipPath id=\"\(clipID)\"><rect x=\"\(format(left - overshoot))\" y=\"\(format(top - overshoot))\" "
            + "width=\"\(format(plotWidth + 2 * overshoot))\" height=\"\(format(plotHeight + 2 * overshoot))\"/></clipPath></defs>\n"
        if !title.isEmpty {
            out += "<text class=\"title\" x=\"\(format(left + plotWidth / 2))\" y=\"\(format(top / 2 + 6))\" "
                + "text-anchor=\"middle\" font-size=\"\(format(fontSize + 2))\">\(Self.escape(title))</text>\n"
        }
        if drawsGrid {
            out += "<g class=\"grid\">"
            for tick in yAxis.ticks {
                out += "<line x1=\"\(format(left))\" x2=\"\(format(right))\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#e5e5e5\"/>"
            }
            out += "</g>\n"
        }
        out += "<g class=\"axis y-axis\" fill=\"#333\">"
        for tick in yAxis.ticks {
            out += "<text x=\"\(format(left - 6))\" y=\"\(y(tick))\" dy=\"0.32em\" text-anchor=\"end\">\(yAxis.label(tick))</text>"
        }
        out += "</g>\n<g class=\"axis x-axis\" fill=\"#333\" stroke=\"#333\">"
        switch frame {
        case .box:
            out += "<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(plotWidth))\" height=\"\(format(plotHeight))\" fill=\"none\"/>"
        case .axes:
            out += "<line x1=\"\(format(left))\" x2=\"\(format(left))\" y1=\"\(format(top))\" y2=\"\(format(bottom))\"/>"
            out += "<line class=\"baseline\" x1=\"\(format(left))\" x2=\"\(format(right))\" y1=\"\(format(bottom))\" y2=\"\(format(bottom))\"/>"
        case .baseline:
            out += "<line class=\"baseline\" x1=\"\(format(left))\" x2=\"\(format(right))\" y1=\"\(format(bottom))\" y2=\"\(format(bottom))\"/>"
        }
        for tick in xAxis.ticks {
            out += "<line x1=\"\(x(tick))\" x2=\"\(x(tick))\" y1=\"\(format(bottom))\" y2=\"\(format(bottom + 4))\"/>"
            out += "<text x=\"\(x(tick))\" y=\"\(format(bottom + 18))\" text-anchor=\"middle\" stroke=\"none\">\(xAxis.label(tick))</text>"
        }
        out += "</g>\n"
        if !xLabel.isEmpty {
            out += "<text x=\"\(format(left + plotWidth / 2))\" y=\"\(format(height - 10))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        }
        if !yLabel.isEmpty {
            out += "<text transform=\"translate(16 \(format(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        }

        // Reference lines; their labels sit outside the plot, so they are not clipped.
        for line in referenceLines {
            let dash = "stroke=\"\(line.color)\" stroke-dasharray=\"\(line.dashPattern)\"" + (line.opacity < 1 ? " opacity=\"\(line.opacity)\"" : "")
            switch line.orientation {
            case .horizontal:
                out += "<line x1=\"\(format(left))\" x2=\"\(format(right))\" y1=\"\(y(line.value))\" y2=\"\(y(line.value))\" \(dash)/>"
                if !line.label.isEmpty {
                    out += "<text x=\"\(format(right + 6))\" y=\"\(y(line.value))\" dy=\"0.32em\" fill=\"#555\">\(Self.escape(line.label))</text>"
                }
            case .vertical:
                out += "<line x1=\"\(x(line.value))\" x2=\"\(x(line.value))\" y1=\"\(format(top))\" y2=\"\(format(bottom))\" \(dash)/>"
                if !line.label.isEmpty {
                    out += "<text x=\"\(x(line.value))\" y=\"\(format(top - 4))\" text-anchor=\"middle\" fill=\"#555\">\(Self.escape(line.label))</text>"
                }
            }
            out += "\n"
        }

        out += "<g clip-path=\"url(#\(clipID))\">\n"
        for band in bands {
            let points = band.points.filter { $0.x.isFinite && $0.x >= xMinimum && $0.lower.isFinite && $0.upper.isFinite }
            guard points.count > 1 else { continue }
            let upper = points.map { "\(x($0.x)),\(y($0.upper))" }, lower = points.reversed().map { "\(x($0.x)),\(y($0.lower))" }
            out += "<polygon\(Self.classAttribute(band.cssClass)) points=\"\((upper + lower).joined(separator: " "))\""
            out += band.color.map { " fill=\"\($0)\" fill-opacity=\"\(band.opacity)\"" } ?? ""
            out += "/>\n"
        }
        for line in lines {
            let classAttribute = Self.classAttribute(line.cssClass)
            if line.drawsLine {
                for segment in line.finiteSegments where segment.count > 1 {
                    let path = segment.enumerated().map { ($0 == 0 ? "M" : "L") + x($1.x) + " " + y($1.y) }.joined(separator: " ")
                    out += "<path\(classAttribute) d=\"\(path)\" fill=\"none\""
                    if let color = line.color { out += " stroke=\"\(color)\" stroke-width=\"\(format(line.lineWidth))\"" }
                    out += (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
                }
            }
            for (index, point) in line.points.enumerated() where point.x.isFinite && point.y.isFinite {
                if let error = line.errors.flatMap({ index < $0.count ? $0[index] : nil }), error > 0, error.isFinite {
                    out += "<line\(classAttribute) x1=\"\(x(point.x))\" x2=\"\(x(point.x))\" y1=\"\(y(point.y - error))\" y2=\"\(y(point.y + error))\""
                    out += (line.color.map { " stroke=\"\($0)\"" } ?? "") + "/>"
                }
                guard let radius = line.dotRadius else { continue }
                out += "<circle\(classAttribute) cx=\"\(x(point.x))\" cy=\"\(y(point.y))\" r=\"\(format(radius))\""
                out += line.color.map { " fill=\"\($0)\"" } ?? ""
                if let tooltip = line.tooltips.flatMap({ index < $0.count ? $0[index] : nil }) {
                    out += "><title>\(Self.escape(tooltip))</title></circle>"
                } else {
                    out += "/>"
                }
            }
            out += "\n"
        }
        out += "</g>\n"
        if !lines.contains(where: { !$0.finiteSegments.isEmpty }) {
            out += "<text class=\"empty\" x=\"\(format(left + plotWidth / 2))\" y=\"\(format(top + plotHeight / 2))\" "
                + "text-anchor=\"middle\" fill=\"#888\">\(Self.escape(emptyMessage))</text>\n"
        }
        return out + legendElements(plotLeft: left, plotRight: right, plotTop: top)
    }

    /// One row per named series: a short line in its style, then its name.
    private func legendElements(plotLeft: Double, plotRight: Double, plotTop: Double) -> String {
        let named = series.filter { !$0.name.isEmpty }
        let start: (x: Double, y: Double)
        switch legend {
        case .none: return ""
        case .inside: start = (plotLeft + 10, plotTop + 10)
        case .right: start = (plotRight + 6, plotTop + 6)
        }
        var out = ""
        for (row, line) in named.enumerated() {
            let rowY = format(start.y + 16 * Double(row))
            out += "<line x1=\"\(format(start.x))\" x2=\"\(format(start.x + 24))\" y1=\"\(rowY)\" y2=\"\(rowY)\""
            out += " stroke=\"\(line.color ?? "#333")\" stroke-width=\"2\"" + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
            out += "<text x=\"\(format(start.x + 30))\" y=\"\(rowY)\" dy=\"0.32em\">\(Self.escape(line.name))</text>\n"
        }
        return out
    }

    /// A coordinate with one decimal.
    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func classAttribute(_ name: String?) -> String {
        name.map { " class=\"\(escape($0))\"" } ?? ""
    }

    /// `text` safe inside an SVG element or a quoted attribute.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
