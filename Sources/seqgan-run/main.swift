import Foundation
import GenRLRL

/// seqgan-run CONFIG.json OUTPUT_DIRECTORY
///
/// Runs a SeqGAN / ORGAN / MLE experiment (`SeqGANExperiment`) from a JSON configuration
/// with snake_case keys (absent keys keep LantaoYu/SeqGAN's defaults) and prints each
/// line of metrics.jsonl as it is written.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: seqgan-run CONFIG.json OUTPUT_DIRECTORY\n".utf8))
    exit(2)
}
do {
    let configURL = URL(fileURLWithPath: arguments[1])
    let configuration = try SeqGANExperimentConfiguration.decodeJSON(Data(contentsOf: configURL), source: configURL.path)
    let experiment = SeqGANExperiment(configuration: configuration, outputDirectory: URL(fileURLWithPath: arguments[2]))
    experiment.onMetrics = { metrics, phase in
        let shown = metrics.keys.sorted().map { key in String(format: "%@=%.4f", key, metrics[key]!) }.joined(separator: " ")
        print("[\(phase)] \(shown)")
        fflush(nil)
    }
    try experiment.run()
} catch {
    FileHandle.standardError.write(Data("seqgan-run: \(error)\n".utf8))
    exit(1)
}
