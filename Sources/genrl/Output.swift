import Foundation

/// Writes a line to standard output at once (unbuffered), so that progress appears even
/// when the output is piped to a file.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
