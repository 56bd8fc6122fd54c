import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an export goes: standard output, or `--output FILE` — written to a temporary file in
/// FILE's directory and renamed over FILE only once the export is complete (removed when it
/// fails).
///
/// The temporary file is made by `mkstemp`: an unpredictable name (`.FILE.XXXXXX`), created
/// exclusively (`O_EXCL`: never an existing file, never through a symbolic link someone planted),
/// with mode 0600 — an export holds events, so FILE ends up readable by its owner only. Nobody
/// else can guess the name to race it, and a crash leaves a hidden file, never a half FILE.
///
/// ```swift
/// let destination = try ExportDestination(output: "q3.jsonl")
/// try destination.write(Array("…".utf8))
/// try destination.finish(quiet: false)   // q3.jsonl, -rw-------
/// ```
final class ExportDestination {
    let output: String?
    private let temporary: String?
    private let handle: FileHandle
    private(set) var written: Int64 = 0

    init(output: String?) throws {
        self.output = output
        guard let output else {
            temporary = nil
            handle = FileHandle.standardOutput
            return
        }
        let directory = (output as NSString).deletingLastPathComponent
        let name = (output as NSString).lastPathComponent
        var template = Array(((directory.isEmpty ? "" : directory + "/") + "." + name + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ValidationError("--output: cannot create a temporary file beside \(output) (errno \(errno))") }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard fchmod(fd, 0o600) == 0 else {
            close(fd)
            unlink(path)
            throw ValidationError("--output: cannot set the mode of \(path) (errno \(errno))")
        }
        temporary = path
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Whether to show how much was written (to a file, on a terminal, without `--quiet`).
    var showsProgress = false

    func write(_ bytes: some DataProtocol) throws {
        try handle.write(contentsOf: bytes)
        written += Int64(bytes.count)
        if showsProgress, output != nil {
            let written = written
            FileHandleOutput.progress("exported \(written >> 20) MiB to \(output ?? "")")
        }
    }

    /// Closes the file and renames it over `--output` (atomically: FILE is the old file or the
    /// whole export, never a part).
    func finish(quiet: Bool) throws {
        guard let output, let temporary else { return }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, output) == 0 else {
            let code = errno
            unlink(temporary)
            throw ValidationError("--output: cannot rename the export to \(output) (errno \(code))")
        }
        if showsProgress { FileHandleOutput.endProgress() }
        if !quiet { FileHandleOutput.standardError("exported \(written) bytes to \(output)") }
    }

    /// Removes what was written of an export that failed.
    func discard() {
        guard let temporary else { return }
        try? handle.close()
        unlink(temporary)
    }
}
