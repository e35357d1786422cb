/// Learns byte-pair merges from a corpus (Sennrich et al. 2016, "Neural Machine
/// Translation of Rare Words with Subword Units"; byte-level as in GPT-2).
///
/// The corpus is cut into GPT-2 pre-tokens, each spelled as its UTF-8 bytes; distinct
/// pre-tokens are counted. Then, repeatedly, the adjacent pair of symbols with the
/// highest count over the corpus is merged into a new symbol, until the merge budget is
/// spent or no pair occurs `minimumPairCount` times. Ties in count go to the pair whose
/// left symbol has the smaller id, then whose right symbol has the smaller id (byte
/// symbols have ids in byte order, merged symbols in the order they were learned), so
/// the result does not depend on the platform or on hashing.
///
/// Two merges can spell the same bytes ("a"+"bc" and "ab"+"c"); the second then reuses
/// the first one's symbol instead of creating a duplicate token.
///
/// Pair counts are updated incrementally: merging a pair only revisits the pre-tokens
/// that contain it, and a max-heap with lazy deletion yields the next best pair, so
/// learning is roughly linear in the size of the corpus.
struct BPETrainer {
    /// A merge as two symbol ids.
    typealias Pair = (left: Int32, right: Int32)

    /// The merges learned, in order.
    private(set) var merges: [Pair] = []
    /// The bytes each symbol id stands for (empty below the first byte id).
    private(set) var bytesOfSymbol: [[UInt8]]
    /// The id of each symbol's bytes, to find merges that spell an existing symbol.
    private var symbolForBytes: [[UInt8]: Int32] = [:]

    /// The symbols of each distinct pre-token.
    private var words: [[Int32]] = []
    /// How often each distinct pre-token occurs in the corpus.
    private var wordCounts: [Int] = []
    /// Corpus count of each adjacent pair, keyed by `key(left, right)`.
    private var pairCounts: [UInt64: Int] = [:]
    /// The pre-tokens that contained each pair when it was counted (may hold stale or
    /// repeated entries; they are re-checked when used).
    private var pairWords: [UInt64: [Int32]] = [:]
    /// For each pre-token, the last merge that rewrote it (to skip repeated entries).
    private var lastVisit: [Int] = []
    private var heap = PairHeap()

    /// Counts the pre-tokens of `corpus`. `firstByteID` is the id of byte 0 (bytes have
    /// ids `firstByteID + byte`).
    init(corpus: some Sequence<String>, firstByteID: Int32) {
        bytesOfSymbol = Array(repeating: [], count: Int(firstByteID)) + (0...255).map { [UInt8($0)] }
        for byte in 0...255 { symbolForBytes[[UInt8(byte)]] = firstByteID + Int32(byte) }
        var counts: [[UInt8]: Int] = [:]
        for sample in corpus {
            let scalars = Array(sample.unicodeScalars)
            for range in ByteLevelPreTokenizer.splitRanges(scalars) {
                var bytes: [UInt8] = []
                for scalar in scalars[range] { bytes.append(contentsOf: UTF8.encode(scalar)!) }
                counts[bytes, default: 0] += 1
            }
        }
        // Sorted so that word indices, and hence everything after, are reproducible.
        let distinct = counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        words = distinct.map { $0.key.map { firstByteID + Int32($0) } }
        wordCounts = distinct.map(\.value)
        lastVisit = Array(repeating: -1, count: words.count)
        for (index, symbols) in words.enumerated() where symbols.count > 1 {
            for position in 0..<(symbols.count - 1) {
                let pair = Self.key(symbols[position], symbols[position + 1])
                pairCounts[pair, default: 0] += wordCounts[index]
                appendWord(Int32(index), to: pair)
            }
        }
        for (pair, count) in pairCounts { heap.push(count: count, pair: pair) }
    }

    /// Learns merges until there are `symbolCount` symbols (ids `0..<symbolCount`),
    /// or until the best pair occurs fewer than `minimumPairCount` times.
    mutating func learn(symbolCount: Int, minimumPairCount: Int) {
        while bytesOfSymbol.count < symbolCount, let (count, pair) = heap.pop() {
            guard pairCounts[pair] == count else { continue }  // a stale heap entry
            guard count >= minimumPairCount else { break }
            let left = Int32(truncatingIfNeeded: pair >> 32)
            let right = Int32(truncatingIfNeeded: pair & 0xFFFF_FFFF)
            let bytes = bytesOfSymbol[Int(left)] + bytesOfSymbol[Int(right)]
            let mergedID: Int32
            if let existing = symbolForBytes[bytes] {
                mergedID = existing
            } else {
                mergedID = Int32(bytesOfSymbol.count)
                bytesOfSymbol.append(bytes)
                symbolForBytes[bytes] = mergedID
            }
            merge(pair, into: mergedID)
            merges.append((left, right))
        }
    }

    /// Rewrites every pre-token holding `pair` and updates the pair counts.
    private mutating func merge(_ pair: UInt64, into mergedID: Int32) {
        let left = Int32(truncatingIfNeeded: pair >> 32)
        let right = Int32(truncatingIfNeeded: pair & 0xFFFF_FFFF)
        let visit = merges.count
        var deltas: [UInt64: Int] = [:]
        for wordIndex in pairWords.removeValue(forKey: pair) ?? [] {
            let index = Int(wordIndex)
            guard lastVisit[index] != visit else { continue }
            lastVisit[index] = visit
            let old = words[index]
            var new: [Int32] = []
            new.reserveCapacity(old.count)
            var position = 0
            while position < old.count {
                if position + 1 < old.count, old[position] == left, old[position + 1] == right {
                    new.append(mergedID)
                    position += 2
                } else {
                    new.append(old[position])
                    position += 1
                }
            }
            guard new.count != old.count else { continue }  // a stale entry: pair no longer here
            let weight = wordCounts[index]
            for position in 0..<(old.count - 1) {
                deltas[Self.key(old[position], old[position + 1]), default: 0] -= weight
            }
            for position in 0..<max(new.count - 1, 0) {
                let newPair = Self.key(new[position], new[position + 1])
                deltas[newPair, default: 0] += weight
                if new[position] == mergedID || new[position + 1] == mergedID {
                    appendWord(wordIndex, to: newPair)
                }
            }
            words[index] = new
        }
        for (changed, delta) in deltas where delta != 0 {
            let count = pairCounts[changed, default: 0] + delta
            if count > 0 {
                pairCounts[changed] = count
                heap.push(count: count, pair: changed)
            } else {
                pairCounts[changed] = nil
            }
        }
        pairCounts[pair] = nil
    }

    private mutating func appendWord(_ wordIndex: Int32, to pair: UInt64) {
        if pairWords[pair]?.last != wordIndex { pairWords[pair, default: []].append(wordIndex) }
    }

    /// Packs a pair into one key that orders like (left, right).
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// A binary max-heap of (count, pair) ordered by count, then by smaller pair key.
struct PairHeap {
    private var entries: [(count: Int, pair: UInt64)] = []

    /// Whether `a` should be popped before `b`.
    private static func precedes(_ a: (count: Int, pair: UInt64), _ b: (count: Int, pair: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }

    mutating func push(count: Int, pair: UInt64) {
        entries.append((count, pair))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (count: Int, pair: UInt64)? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var best = parent
                if left < entries.count, Self.precedes(entries[left], entries[best]) { best = left }
                if right < entries.count, Self.precedes(entries[right], entries[best]) { best = right }
                if best == parent { break }
                entries.swapAt(parent, best)
                parent = best
            }
        }
        return top
    }
}
