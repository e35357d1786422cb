import Foundation
import GenRLRL
import TOMLKit

/// seqgan-run CONFIG OUTPUT_DIRECTORY
/// seqgan-run --print-config CONFIG
/// seqgan-run --plot OUT.svg --metric NAME [--title T] [--reference V:LABEL]... RUN_DIR[:LABEL]...
///
/// Runs a SeqGAN / ORGAN / MLE experiment (`SeqGANExperiment`) from a TOML (or, by the
/// `.json` extension, JSON) configuration with snake_case keys — the files under
/// examples/seqgan and examples/organ. Absent keys keep LantaoYu/SeqGAN's defaults;
/// relative paths start at the configuration file's directory. Each line of
/// metrics.jsonl is printed as it is written. `--print-config` prints the resolved
/// configuration (every default written out) as JSON and exits.
let arguments = CommandLine.arguments
if arguments.count > 1 && arguments[1] == "--plot" {
    do {
        try LearningCurvePlot.run(Array(arguments.dropFirst(2)))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("seqgan-run: \(error)\n".utf8))
        exit(2)
    }
}
let printOnly = arguments.count == 3 && arguments[1] == "--print-config"
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: seqgan-run CONFIG.toml OUTPUT_DIRECTORY | seqgan-run --print-config CONFIG.toml\n".utf8))
    exit(2)
}

/// A TOML value as the dictionaries, arrays and scalars JSONSerialization produces.
func plainValue(_ value: TOMLValue) -> Any {
    if let table = value.table { return plainTable(table) }
    if let array = value.array { return (0..<array.count).compactMap { array[$0].map(plainValue) } }
    if let integer = value.int { return integer }
    if let double = value.double { return double }
    if let bool = value.bool { return bool }
    return value.string ?? "\(value)"
}

func plainTable(_ table: TOMLTable) -> [String: Any] {
    var object: [String: Any] = [:]
    for (key, value) in table { object[key] = plainValue(value.tomlValue) }
    return object
}

do {
    let configURL = URL(fileURLWithPath: arguments[printOnly ? 2 : 1])
    let text = try String(contentsOf: configURL, encoding: .utf8)
    let configuration: SeqGANExperimentConfiguration
    if configURL.pathExtension == "json" {
        configuration = try SeqGANExperimentConfiguration.decodeJSON(Data(text.utf8), source: configURL.path)
    } else {
        configuration = try SeqGANExperimentConfiguration.decode(object: plainTable(TOMLTable(string: text)),
                                                                 source: configURL.path)
    }
    let resolved = configuration.resolvingPaths(relativeTo: configURL.deletingLastPathComponent())
    if printOnly {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seqgan-run-\(getpid()).json")
        try resolved.writeJSON(to: file)
        print(try String(contentsOf: file, encoding: .utf8))
        try? FileManager.default.removeItem(at: file)
        exit(0)
    }
    let experiment = SeqGANExperiment(configuration: resolved, outputDirectory: URL(fileURLWithPath: arguments[2]))
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
