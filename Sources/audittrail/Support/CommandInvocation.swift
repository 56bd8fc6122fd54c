import Foundation

/// How to run this same `audittrail` binary again from the current directory, as one shell word
/// that works when typed: the name alone when it was found on the `PATH`, `.build/debug/audittrail`
/// (or `.build/release/…`) when it is the package's own build under this directory (which is
/// what `swift run` starts), else its absolute path. Quoted for a POSIX shell when needed.
enum CommandInvocation {
    static func current(arguments: [String] = CommandLine.arguments, directory: String = FileManager.default.currentDirectoryPath) -> String {
        guard let first = arguments.first, !first.isEmpty else { return "audittrail" }
        guard first.contains("/") else { return shellWord(first) }
        let absolute = first.hasPrefix("/") ? first : (directory as NSString).appendingPathComponent(first)
        let standardized = (absolute as NSString).standardizingPath
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        guard standardized.hasPrefix(base) else { return shellWord(standardized) }
        let relative = String(standardized.dropFirst(base.count))
        // `.build/debug` and `.build/release` are SwiftPM's links to the platform's build folder.
        let name = (relative as NSString).lastPathComponent
        if relative.hasPrefix(".build/"), let resolved = realPath(standardized) {
            for configuration in ["debug", "release"] {
                let short = ".build/\(configuration)/\(name)"
                if realPath(base + short) == resolved { return shellWord(short) }
            }
        }
        return shellWord(relative.contains("/") ? relative : "./" + relative)
    }

    /// The canonical path of an existing file, every link resolved (`realpath(3)`).
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `word` as it must be typed in a POSIX shell: as is when it only has safe characters, else
    /// in single quotes.
    static func shellWord(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@,%")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
