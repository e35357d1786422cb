import Foundation

/// One line of a `LineChart`: its points and how they are drawn.
///
/// A point whose y is not finite breaks the line (the points either side are not joined)
/// and gets no dot; a point whose x is not finite is left out.
public struct ChartSeries: Sendable {
    /// The legend text (empty: the series has no legend entry).
    public var name: String
    /// The (x, y) points, in drawing order.
    public var points: [(x: Double, y: Double)]
    /// An SVG colour for the line, dots and error bars; nil leaves the colour to a
    /// stylesheet (through `cssClass`).
    public var color: String?
    /// The `class` attribute of every element the series draws (for a stylesheet).
    public var cssClass: String?
    /// Width of the line, in pixels.
    public var lineWidth: Double
    /// Whether the line is dashed.
    public var dashed: Bool
    /// Whether the points are joined by a line (false: dots only).
    public var drawsLine: Bool
    /// Radius of a dot at every finite point (nil: no dots).
    public var dotRadius: Double?
    /// A tooltip per point, shown on its dot (nil: none).
    public var tooltips: [String]?
    /// Half-widths of vertical error bars, one per point (nil: none).
    public var errors: [Double]?

    /// A series with its style; the defaults draw a solid 2-pixel line without dots.
    public init(name: String = "", points: [(x: Double, y: Double)], color: String? = nil, cssClass: String? = nil,
                lineWidth: Double = 2, dashed: Bool = false, drawsLine: Bool = true, dotRadius: Double? = nil,
                tooltips: [String]? = nil, errors: [Double]? = nil) {
        self.name = name
        self.points = points
        self.color = color
        self.cssClass = cssClass
        self.lineWidth = lineWidth
        self.dashed = dashed
        self.drawsLine = drawsLine
        self.dotRadius = dotRadius
        self.tooltips = tooltips
        self.errors = errors
    }

    /// Runs of consecutive points with finite coordinates, in order (a non-finite y ends a
    /// run; a non-finite x is skipped).
    public var finiteSegments: [[(x: Double, y: Double)]] {
        var segments: [[(x: Double, y: Double)]] = [[]]
        for point in points where point.x.isFinite {
            if point.y.isFinite {
                segments[segments.count - 1].append(point)
            } else if !segments[segments.count - 1].isEmpty {
                segments.append([])
            }
        }
        return segments.filter { !$0.isEmpty }
    }
}

/// A shaded area between a lower and an upper curve (a spread around a line).
public struct ChartBand: Sendable {
    /// The x of each edge point with the band's lower and upper y there.
    public var points: [(x: Double, lower: Double, upper: Double)]
    /// An SVG fill colour (nil: left to a stylesheet).
    public var color: String?
    /// Opacity of the fill.
    public var opacity: Double
    /// The `class` attribute of the band's polygon.
    public var cssClass: String?

    /// A band over `points`.
    public init(points: [(x: Double, lower: Double, upper: Double)], color: String? = nil, opacity: Double = 0.15,
                cssClass: String? = nil) {
        self.points = points
        self.color = color
        self.opacity = opacity
        self.cssClass = cssClass
    }
}

/// A straight line across the plot at one value: a horizontal reference level (a target,
/// a baseline's score) or a vertical marker (where a phase of training starts).
public struct ReferenceLine: Sendable {
    /// Which way the line runs.
    public enum Orientation: Sendable {
        /// Across the plot at y = value; its label is written right of the plot.
        case horizontal
        /// Up the plot at x = value; its label is written at the top.
        case vertical
    }

    /// Which way the line runs.
    public var orientation: Orientation
    /// The y (horizontal) or x (vertical) where the line is drawn.
    public var value: Double
    /// The text beside the line (empty: none).
    public var label: String
    /// An SVG stroke colour.
    public var color: String
    /// The SVG dash pattern (`stroke-dasharray`).
    public var dashPattern: String
    /// Opacity of the line.
    public var opacity: Double

    /// A reference line; the defaults draw a grey dotted line.
    public init(_ orientation: Orientation, at value: Double, label: String = "", color: String = "#888",
                dashPattern: String = "2,3", opacity: Double = 1) {
        self.orientation = orientation
        self.value = value
        self.label = label
        self.color = color
        self.dashPattern = dashPattern
        self.opacity = opacity
    }
}
