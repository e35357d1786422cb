import Foundation

/// One-line reports of metric results, in sacreBLEU's format where sacreBLEU has one,
/// for `genrl metrics` and run logs.
///
/// Numbers are printed with C's `%.Nf`, which rounds the exact binary value as Python's
/// `f"{x:.Nf}"` does, so the lines are character-for-character sacreBLEU's.
public enum MetricReport {
    /// `BLEU = 32.15 63.2/38.5/25.1/16.5 (BP = 1.000 ratio = 1.012 hyp_len = 2750 ref_len = 2718)`
    public static func line(_ score: BLEUScore) -> String {
        let precisions = score.precisions.map { fixed($0, 1) }.joined(separator: "/")
        return "BLEU = \(fixed(score.score, 2)) \(precisions) (BP = \(fixed(score.brevityPenalty, 3)) "
            + "ratio = \(fixed(score.lengthRatio, 3)) hyp_len = \(score.hypothesisLength) "
            + "ref_len = \(score.referenceLength))"
    }

    /// `chrF2 = 55.21`, `chrF2++ = 53.90`.
    public static func line(_ score: CHRFScore) -> String {
        "\(score.name) = \(fixed(score.score, 2))"
    }

    /// `rouge1 = 0.4444 (P = 0.5000 R = 0.4000)`: F1 first, on rouge-score's 0–1 scale.
    public static func line(_ score: ROUGEScore, type: ROUGEType) -> String {
        "\(type) = \(fixed(score.fmeasure, 4)) (P = \(fixed(score.precision, 4)) R = \(fixed(score.recall, 4)))"
    }

    /// One `line(_:type:)` per type, in the order of `types`.
    public static func lines(_ scores: [ROUGEType: ROUGEScore], types: [ROUGEType]) -> [String] {
        types.compactMap { type in scores[type].map { line($0, type: type) } }
    }

    /// `Self-BLEU = 82.47 (samples = 8)`.
    public static func line(_ score: SelfBLEUScore) -> String {
        "Self-BLEU = \(fixed(score.score, 2)) (samples = \(score.perSample.count))"
    }

    /// The number of references every hypothesis has, or nil if it varies (sacreBLEU
    /// then writes `nrefs:var`).
    public static func referenceCount(_ references: [[String]]) -> Int? {
        let counts = Set(references.map(\.count))
        return counts.count == 1 ? counts.first : nil
    }

    /// `x` with `digits` decimals, rounded as Python's format does.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", x)
    }

    /// The sacreBLEU version whose numbers and signatures these metrics reproduce.
    public static let sacreBLEUVersion = "2.6.0"
}

extension BLEU {
    /// sacreBLEU's reproducibility signature, e.g.
    /// `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. `referenceCount` is
    /// nil when hypotheses have different numbers of references (`nrefs:var`); `eff`
    /// describes the level given by `sentenceLevel`.
    public func signature(referenceCount: Int?, sentenceLevel: Bool = false) -> String {
        var smooth = smoothing.sacreBLEUName
        switch smoothing {
        case let .floor(epsilon): smooth += "[\(MetricReport.fixed(epsilon, 2))]"
        case let .addK(k): smooth += "[\(MetricReport.fixed(k, 2))]"
        case .noSmoothing, .exponential: break
        }
        let references = referenceCount.map(String.init) ?? "var"
        let effective = effectiveOrder.applies(sentenceLevel: sentenceLevel) ? "yes" : "no"
        return "nrefs:\(references)|case:\(lowercase ? "lc" : "mixed")|eff:\(effective)"
            + "|tok:\(tokenizer.sacreBLEUName)|smooth:\(smooth)|version:\(MetricReport.sacreBLEUVersion)"
    }
}

extension CHRF {
    /// sacreBLEU's reproducibility signature, e.g.
    /// `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0` (`eff:yes` means
    /// effective-order averaging, i.e. no epsilon smoothing).
    public func signature(referenceCount: Int?) -> String {
        let references = referenceCount.map(String.init) ?? "var"
        return "nrefs:\(references)|case:\(lowercase ? "lc" : "mixed")|eff:\(epsilonSmoothing ? "no" : "yes")"
            + "|nc:\(characterOrder)|nw:\(wordOrder)|space:\(includeWhitespace ? "yes" : "no")"
            + "|version:\(MetricReport.sacreBLEUVersion)"
    }
}

extension BLEUScore: CustomStringConvertible {
    /// sacreBLEU's one-line report (`MetricReport.line`).
    public var description: String { MetricReport.line(self) }
}

extension CHRFScore: CustomStringConvertible {
    /// sacreBLEU's one-line report (`MetricReport.line`).
    public var description: String { MetricReport.line(self) }
}
