import ArgumentParser
import Foundation
import GenRLRewards

/// `genrl metrics`: BLEU, chrF, ROUGE and self-BLEU of a hypothesis file against
/// reference files, printed as sacreBLEU prints them.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Score hypotheses against references: BLEU and chrF (as sacreBLEU), ROUGE (as rouge-score), self-BLEU.")

    enum Metric: String, ExpressibleByArgument, CaseIterable { case bleu, chrf, chrfpp = "chrf++", rouge, selfBLEU = "self-bleu" }

    @Option(name: .shortAndLong, help: "Hypotheses, one per line.")
    var hypotheses: String

    @Option(name: .shortAndLong, help: "References, one per line aligned with the hypotheses; repeat for several reference sets.")
    var references: [String] = []

    @Option(name: .shortAndLong, help: "Metrics to compute (\(Metric.allCases.map(\.rawValue).joined(separator: ", "))); default: bleu, chrf, rouge.")
    var metric: [Metric] = []

    @Option(help: "sacreBLEU tokenizer for BLEU: 13a, intl, char or none.")
    var tokenize: String = "13a"

    @Flag(help: "Lowercase before BLEU and chrF.")
    var lowercase = false

    @Flag(help: "Porter stemming for ROUGE (rouge-score's use_stemmer).")
    var stem = false

    func validate() throws {
        if BLEUTokenizer(rawValue: tokenize) == nil { throw ValidationError("unknown tokenizer \"\(tokenize)\"; known: 13a, intl, char, none") }
        let needsReferences = (metric.isEmpty ? [.bleu] : metric).contains { $0 != .selfBLEU }
        if needsReferences && references.isEmpty { throw ValidationError("give at least one --references file") }
    }

    func run() throws {
        try reportingFailures {
            let hypothesisLines = try readLines(hypotheses)
            let streams = try references.map(readLines)
            for (file, stream) in zip(references, streams) where stream.count != hypothesisLines.count {
                throw ValidationError("\(file) has \(stream.count) lines, \(hypotheses) has \(hypothesisLines.count)")
            }
            let perHypothesis = hypothesisLines.indices.map { i in streams.map { $0[i] } }
            for metric in metric.isEmpty ? [.bleu, .chrf, .rouge] : metric {
                switch metric {
                case .bleu:
                    let bleu = BLEU(tokenizer: BLEUTokenizer(rawValue: tokenize)!, lowercase: lowercase)
                    let score = try bleu.corpusScore(hypotheses: hypothesisLines, references: perHypothesis)
                    say("\(MetricReport.line(score))  \(bleu.signature(referenceCount: MetricReport.referenceCount(perHypothesis)))")
                case .chrf, .chrfpp:
                    let chrf = metric == .chrf ? CHRF(lowercase: lowercase) : CHRF(wordOrder: 2, lowercase: lowercase)
                    let score = try chrf.corpusScore(hypotheses: hypothesisLines, references: perHypothesis)
                    say("\(MetricReport.line(score))  \(chrf.signature(referenceCount: MetricReport.referenceCount(perHypothesis)))")
                case .rouge:
                    let rouge = ROUGE(types: [.rouge1, .rouge2, .rougeL], useStemmer: stem)
                    var sums: [ROUGEType: (Double, Double)] = [:]
                    for (hypothesis, targets) in zip(hypothesisLines, perHypothesis) {
                        for (type, score) in try rouge.scoreMulti(targets: targets, prediction: hypothesis) {
                            let (p, r) = sums[type] ?? (0, 0)
                            sums[type] = (p + score.precision, r + score.recall)
                        }
                    }
                    let n = Double(max(hypothesisLines.count, 1))
                    for type in rouge.types {
                        let (p, r) = sums[type] ?? (0, 0)
                        say(MetricReport.line(ROUGEScore(precision: p / n, recall: r / n), type: type) + "  (mean over \(hypothesisLines.count) pairs)")
                    }
                case .selfBLEU:
                    say(MetricReport.line(try SelfBLEU().score(samples: hypothesisLines)))
                }
            }
        }
    }
}

/// The lines of a UTF-8 text file (a trailing newline does not add an empty line).
func readLines(_ path: String) throws -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ValidationError("cannot read \(path) as UTF-8 text")
    }
    var lines = text.components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
}
