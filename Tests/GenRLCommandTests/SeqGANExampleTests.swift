import Foundation
import Testing

/// Every SeqGAN and ORGAN example under examples/ reads without a problem: every key
/// known, every value of the right type (`genrl seqgan print-config` exits 0 with JSON).
/// Hidden files (the docs' temporary variants, written beside the originals) are skipped.
@Suite("SeqGAN and ORGAN example configurations")
struct SeqGANExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples").standardizedFileURL

    static let files: [String] = ["seqgan", "organ"].flatMap { directory in
        let url = examples.appendingPathComponent(directory)
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.sorted().map { "\(directory)/\($0)" }
    }

    @Test(arguments: files)
    func exampleReads(_ file: String) throws {
        let result = try runGenRL(["seqgan", "print-config", Self.examples.appendingPathComponent(file).path],
                                  in: FileManager.default.temporaryDirectory)
        #expect(result.status == 0, "\(result.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(json?["algorithm"] != nil)
    }

    @Test func theExamplesAreFound() {
        #expect(Self.files.count >= 7)
    }
}
