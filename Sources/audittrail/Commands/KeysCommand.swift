import ArgumentParser
import AuditTrail
import AuditTrailSQLite
import Foundation

/// `audittrail keys create|list|revoke`: API keys, straight on the data directory (the server may
/// be running; key changes take effect within seconds).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys in a data directory; print the checkpoint public key.",
        subcommands: [Create.self, List.self, Revoke.self, Public.self]
    )

    struct Public: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the checkpoint signing key's public half (a signed-note verifier key: <name>+<hash>+<base64>).",
            discussion: "Give it to whoever verifies checkpoints: audittrail verify --public-key KEY, or any C2SP signed-note verifier."
        )

        @Option(
            name: .customLong("signing-key"),
            help: "The signing key file (default: $AUDITTRAIL_SIGNING_KEY_FILE or signing.key in the data directory)."
        )
        var signingKey: String?

        @OptionGroup var data: DataDirectoryOptions

        func run() throws {
            let path = try signingKeyPath(signingKey, data)
            do {
                print(try AuditSigner.load(from: path).publicKey.text)
            } catch  where error.code == .notFound {
                throw ValidationError("--signing-key: no key at \(path); the server creates it on first start")
            } catch {
                throw ValidationError("--signing-key: \(path): \(error.message)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; its secret is printed once.",
            discussion:
                "Roles: admin (everything), auditor (read all, verify), writer (ingest only), viewer (reads only events whose actor.id is --subject)."
        )

        @Option(help: "admin, auditor, writer or viewer.")
        var role: String

        @Option(help: "A label for the key (who or what uses it).")
        var name: String?

        @Option(help: "For viewer keys: the actor.id whose events the key may read.")
        var subject: String?

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @Flag(name: .customLong("secret-only"), help: "Print only the key's secret (for scripts: KEY=$(audittrail keys create … --secret-only)).")
        var secretOnly = false

        @OptionGroup var data: DataDirectoryOptions

        func validate() throws {
            guard AuditRole(rawValue: role) != nil else { throw ValidationError("--role: must be one of admin, auditor, writer, viewer") }
        }

        func run() async throws {
            let role = AuditRole(rawValue: role)!
            let (key, secret): (AuditAPIKey, String)
            do {
                (key, secret) = try AuditAPIKey.generate(name: name ?? role.rawValue, role: role, subject: subject)
            } catch {
                throw ValidationError(cliMessage(error))
            }
            try await withStore(data, create: true) { store in
                try await store.insertKey(key, secretHash: AuditAPIKey.hash(secret: secret))
                do {
                    try await recordOperatorEvent(.keyCreated(key, by: operatorActor()), in: store)
                } catch {
                    // A key whose creation is not in the log must not work.
                    _ = try? await store.revokeKey(id: key.id, at: .now())
                    throw error
                }
            }
            if secretOnly {
                print(secret)
            } else if json {
                let subjectJSON = key.subject.map { "\"\(jsonEscaped($0))\"" } ?? "null"
                print(
                    #"{"id":"\#(key.id)","key":"\#(secret)","name":"\#(jsonEscaped(key.name))","role":"\#(key.role.rawValue)","subject":\#(subjectJSON)}"#
                )
            } else {
                print("Created \(key.role.rawValue) key \(key.id) (\(key.name)).")
                print("Key (shown once, store it now): \(secret)")
                print("Use it as:  curl -H 'Authorization: Bearer \(secret)' http://127.0.0.1:8080/v1/events")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")

        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let keys = try await withStore(data) { try await $0.keys() }
            let rows = keys.map { key in
                [key.id, key.name, key.role.rawValue, key.subject ?? "-", key.createdAt.rfc3339, key.revokedAt?.rfc3339 ?? "active"]
            }
            print(renderTable(header: ["ID", "NAME", "ROLE", "SUBJECT", "CREATED", "REVOKED"], rows: rows))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")

        @Argument(help: "The key id (key_…), as `keys list` shows it.")
        var id: String

        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            let revoked = try await withStore(data) { store in
                guard try await store.revokeKey(id: id, at: .now()) else { return false }
                try await recordOperatorEvent(.keyRevoked(id: id, by: operatorActor()), in: store)
                return true
            }
            guard revoked else { throw ValidationError("id: no active key \(id)") }
            print("Revoked \(id).")
        }
    }
}
