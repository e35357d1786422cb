import Foundation
import GenRLModels
import Testing

/// The repository root, found from this file's path (Tests/GenRLModelsTests/...).
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Writes `bytes` to a new temporary file and returns its URL.
private func temporaryFile(_ bytes: [UInt8], name: String = "corpus.txt") throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-corpus-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

// MARK: - Line corpus

@Suite struct LineCorpusTests {
    @Test func readsOneSamplePerLineSkippingBlankLines() throws {
        let url = try temporaryFile(Array("\u{FEFF}first\r\n\n   \nsecond line \n\tthird\n\n".utf8))
        let corpus = try LineCorpus(contentsOf: url)
        #expect(corpus.samples == ["first", "second line ", "\tthird"])
        #expect(corpus.lineNumbers == [1, 4, 5])
        #expect(corpus.blankLineCount == 3)
        #expect(corpus.path == url.path)
        #expect(corpus.count == 3 && corpus[1] == "second line ")
    }

    @Test func keepsTheLastLineWithoutANewline() throws {
        let corpus = try LineCorpus(data: Data("a\nb".utf8))
        #expect(corpus.samples == ["a", "b"])
    }

    @Test func invalidUTF8NamesTheFileLineAndByte() throws {
        // Line 3 is "ab" followed by a lone continuation byte 0x80.
        let url = try temporaryFile(Array("ok\nfine é\n".utf8) + [0x61, 0x62, 0x80, 0x0A] + Array("after\n".utf8))
        #expect(throws: CorpusError.invalidUTF8(path: url.path, line: 3, byteColumn: 3)) {
            try LineCorpus(contentsOf: url)
        }
        let message = CorpusError.invalidUTF8(path: url.path, line: 3, byteColumn: 3).description
        #expect(message.contains(url.path) && message.contains(":3:"))
        // A truncated two-byte sequence at the end of line 1.
        #expect(throws: CorpusError.invalidUTF8(path: "(in memory)", line: 1, byteColumn: 2)) {
            try LineCorpus(data: Data([0x61, 0xC3, 0x0A]))
        }
    }

    @Test func emptyAndBlankFilesAreErrors() throws {
        let empty = try temporaryFile([])
        #expect(throws: CorpusError.emptyFile(path: empty.path)) { try LineCorpus(contentsOf: empty) }
        let blank = try temporaryFile(Array(" \n\n\t\n".utf8))
        #expect(throws: CorpusError.emptyFile(path: blank.path)) { try LineCorpus(contentsOf: blank) }
        let missing = empty.deletingLastPathComponent().appendingPathComponent("missing.txt")
        #expect {
            try LineCorpus(contentsOf: missing)
        } throws: { error in
            guard case .unreadableFile(let path, _)? = error as? CorpusError else { return false }
            return path == missing.path
        }
    }

    @Test func maximumLengthDropsLongerLines() throws {
        let corpus = try LineCorpus(data: Data("abc\nabcdef\n👍🏽x\nab\n".utf8), maximumLength: 3)
        // "👍🏽x" is three Unicode scalars.
        #expect(corpus.samples == ["abc", "👍🏽x", "ab"])
        #expect(corpus.overlongLineCount == 1)
        #expect(throws: CorpusError.noSampleWithinMaximumLength(path: "(in memory)", maximumLength: 2, shortestLength: 3)) {
            try LineCorpus(data: Data("abc\nabcd\n".utf8), maximumLength: 2)
        }
    }

    @Test func theShippedShakespeareCorpusReadsAndRoundTrips() throws {
        let corpus = try LineCorpus(contentsOf: repositoryRoot.appendingPathComponent("Data/corpora/tinyshakespeare_lines.txt"))
        #expect(corpus.count == 25_555)
        #expect(corpus.blankLineCount == 0)
        #expect(!corpus.samples.contains("First Citizen:"))
        let tokenizer = try CharacterTokenizer(corpus: corpus.samples)
        for sample in corpus.samples { #expect(tokenizer.decode(tokenizer.encode(sample)) == sample) }
    }
}

// MARK: - Train/validation split

@Suite struct CorpusSplitTests {
    private let samples = (0..<100).map { "sample \($0)" }

    @Test func partitionsTheSamples() throws {
        let split = try CorpusSplit(samples: samples, validationFraction: 0.1, seed: 7)
        #expect(split.validation.count == 10 && split.train.count == 90)
        #expect(Set(split.trainIndices).isDisjoint(with: split.validationIndices))
        #expect((split.trainIndices + split.validationIndices).sorted() == Array(0..<100))
        #expect(split.trainIndices == split.trainIndices.sorted())
        #expect(split.train == split.trainIndices.map { samples[$0] })
        #expect(split.validation == split.validationIndices.map { samples[$0] })
    }

    @Test func theSameSeedGivesTheSameSplit() throws {
        let first = try CorpusSplit(samples: samples, validationFraction: 0.2, seed: 11)
        let again = try CorpusSplit(samples: samples, validationFraction: 0.2, seed: 11)
        let other = try CorpusSplit(samples: samples, validationFraction: 0.2, seed: 12)
        #expect(first.validationIndices == again.validationIndices)
        #expect(first.validationIndices != other.validationIndices)
    }

    @Test func smallAndInvalidFractions() throws {
        #expect(try CorpusSplit(samples: samples, validationFraction: 0, seed: 1).validation.isEmpty)
        #expect(try CorpusSplit(samples: samples, validationFraction: 0.001, seed: 1).validation.count == 1)
        #expect(try CorpusSplit(samples: ["a", "b"], validationFraction: 0.9, seed: 1).train.count == 1)
        #expect(throws: CorpusError.self) { try CorpusSplit(samples: samples, validationFraction: 1, seed: 1) }
        #expect(throws: CorpusError.self) { try CorpusSplit(samples: samples, validationFraction: -0.1, seed: 1) }
        #expect(throws: CorpusError.self) { try CorpusSplit(samples: ["a"], validationFraction: 0.5, seed: 1) }
    }
}

// MARK: - Batches

@Suite struct TokenBatchesTests {
    /// Sample `i` is `i + 1` tokens, all equal to `10 + i`.
    private let encoded = (0..<10).map { Array(repeating: 10 + $0, count: $0 + 1) }

    @Test func everySampleIsInExactlyOneBatchPerEpoch() throws {
        let batches = try TokenBatches(encodedSamples: encoded, batchSize: 3, seed: 5)
        #expect(batches.batchesPerEpoch == 4)
        for epoch in 0..<3 {
            let epochBatches = batches.batches(epoch: epoch)
            #expect(epochBatches.map(\.batchSize) == [3, 3, 3, 1])
            #expect(epochBatches.flatMap(\.sampleIndices).sorted() == Array(0..<10))
        }
    }

    @Test func rowsArePaddedOnTheRightWithAMask() throws {
        let batches = try TokenBatches(encodedSamples: encoded, batchSize: 4, seed: 5)
        for batch in batches.batches(epoch: 0) {
            #expect(batch.tokens.count == batch.batchSize * batch.length)
            #expect(batch.mask.count == batch.tokens.count)
            #expect(batch.length == batch.lengths.max())
            for (row, sample) in batch.sampleIndices.enumerated() {
                let expected = [Int32(Vocabulary.beginID)] + encoded[sample].map(Int32.init) + [Int32(Vocabulary.endID)]
                #expect(batch.lengths[row] == expected.count)
                #expect(Array(batch.row(row)) == expected)
                let start = row * batch.length
                for position in 0..<batch.length {
                    let isReal = position < expected.count
                    #expect(batch.mask[start + position] == (isReal ? 1 : 0))
                    if !isReal { #expect(batch.tokens[start + position] == Int32(Vocabulary.paddingID)) }
                }
            }
        }
    }

    @Test func theSameSeedGivesTheSameBatchesAndEpochsDiffer() throws {
        let first = try TokenBatches(encodedSamples: encoded, batchSize: 3, seed: 99)
        let again = try TokenBatches(encodedSamples: encoded, batchSize: 3, seed: 99)
        #expect(first.batches(epoch: 0) == again.batches(epoch: 0))
        #expect(first.batches(epoch: 4) == again.batches(epoch: 4))
        #expect(first.batch(2, epoch: 4) == again.batches(epoch: 4)[2])
        #expect(first.order(epoch: 0) != first.order(epoch: 1))
        let other = try TokenBatches(encodedSamples: encoded, batchSize: 3, seed: 100)
        #expect(first.order(epoch: 0) != other.order(epoch: 0))
        let unshuffled = try TokenBatches(encodedSamples: encoded, batchSize: 3, seed: 99, shuffle: false)
        #expect(unshuffled.order(epoch: 3) == Array(0..<10))
    }

    @Test func truncationFixedLengthAndDroppingTheLastBatch() throws {
        let batches = try TokenBatches(
            encodedSamples: encoded, batchSize: 4, seed: 1, maximumLength: 5, padToMaximumLength: true,
            shuffle: false, dropLastPartialBatch: true)
        #expect(batches.batchesPerEpoch == 2)
        let batch = batches.batch(1, epoch: 0)  // samples 4...7, each longer than 5 with markers
        #expect(batch.length == 5 && batch.lengths == [5, 5, 5, 5])
        #expect(Array(batch.row(0)) == [1, 14, 14, 14, 14])  // cut: no <eos>
        let first = batches.batch(0, epoch: 0)  // sample 0 is <bos> 10 <eos>, padded to 5
        #expect(Array(first.tokens[0..<5]) == [1, 10, 2, 0, 0])
        #expect(Array(first.mask[0..<5]) == [1, 1, 1, 0, 0])
    }

    @Test func batchesTextThroughATokenizer() throws {
        let tokenizer = try CharacterTokenizer(corpus: ["ab", "ba"])
        let batches = try TokenBatches(samples: ["ab", "b"], tokenizer: tokenizer, batchSize: 2, seed: 0, shuffle: false)
        let batch = batches.batch(0, epoch: 0)
        #expect(batch.tokens == [1, 4, 5, 2, 1, 5, 2, 0])
        #expect(batch.mask == [1, 1, 1, 1, 1, 1, 1, 0])
        #expect(batch.lengths == [4, 3] && batch.length == 4 && batch.batchSize == 2)
    }

    @Test func rejectsInvalidArguments() {
        #expect(throws: CorpusError.self) { try TokenBatches(encodedSamples: [], batchSize: 2, seed: 0) }
        #expect(throws: CorpusError.self) { try TokenBatches(encodedSamples: [[4]], batchSize: 0, seed: 0) }
        #expect(throws: CorpusError.self) { try TokenBatches(encodedSamples: [[4]], batchSize: 1, seed: 0, padToMaximumLength: true) }
        #expect(throws: CorpusError.self) {
            try TokenBatches(encodedSamples: [[]], batchSize: 1, seed: 0, addBeginToken: false, addEndToken: false)
        }
        #expect(throws: CorpusError.self) {
            try TokenBatches(encodedSamples: [[4]], batchSize: 2, seed: 0, dropLastPartialBatch: true)
        }
    }
}
