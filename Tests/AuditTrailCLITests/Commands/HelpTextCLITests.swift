import Foundation
import Testing

@testable import audittrail

/// The help a newcomer reads: every subcommand's text is well formed.
@Suite("audittrail help texts")
struct HelpTextCLITests {
    @Test(arguments: ["verify", "export", "query", "stats", "tail", "keys", "retention", "serve", "bench"])
    func helpHasNoStraySpaceBeforePunctuation(command: String) async throws {
        let result = try await runCLI([command, "--help"])
        #expect(result.status == 0, "\(result.output)")
        for bad in [" ,", " ;"] {
            #expect(!result.output.contains(bad), "\(command) --help holds '\(bad)': \(result.output)")
        }
    }

    @Test func queryHelpWrapsWholeSentencesAndStatesEachDefaultOnce() async throws {
        let result = try await runCLI(["query", "--help"])
        #expect(result.status == 0)
        #expect(!result.output.contains("failure,\n--min-severity"), "\(result.output)")
        #expect(!result.output.contains("search\nlanguage"), "\(result.output)")
        let options = result.output.components(separatedBy: "OPTIONS:").last ?? ""
        let format = options.split(separator: "--format").dropFirst().first.map(String.init) ?? ""
        let formatHelp = format.components(separatedBy: "--data-dir").first ?? ""
        #expect(formatHelp.components(separatedBy: "default").count == 2, "\(formatHelp)")
    }
}
