import Foundation
import Testing

@testable import audittrail

/// The help a newcomer reads: every subcommand's text is well formed.
@Suite("audittrail help texts")
struct HelpTextCLITests {
    @Test(arguments: ["verify", "export", "query", "keys", "retention", "serve", "bench"])
    func helpHasNoStraySpaceBeforePunctuation(command: String) throws {
        let result = try runCLI([command, "--help"])
        #expect(result.status == 0, "\(result.output)")
        for bad in [" ,", " ;"] {
            #expect(!result.output.contains(bad), "\(command) --help holds '\(bad)': \(result.output)")
        }
    }
}
