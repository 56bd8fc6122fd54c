import Crypto
import Foundation

/// The example's accounts and sessions, in memory. A real app keeps salted password hashes
/// (Argon2, scrypt) in its database; this one compares SHA-256 digests to stay dependency-free.
actor NotesAccounts {
    private struct Account {
        var user: NotesUser
        var passwordDigest: SHA256.Digest
    }

    private var accounts: [String: Account] = [:]
    private var sessions: [String: String] = [:]

    init(users: [(name: String, password: String, admin: Bool)]) {
        for entry in users {
            let user = NotesUser(id: "u-" + entry.name, name: entry.name, isAdmin: entry.admin)
            accounts[entry.name] = Account(user: user, passwordDigest: SHA256.hash(data: Data(entry.password.utf8)))
        }
    }

    /// A new session token for `name`, or nil when the name or password is wrong.
    func signIn(name: String, password: String) -> (NotesUser, String)? {
        guard let account = accounts[name], account.passwordDigest == SHA256.hash(data: Data(password.utf8)) else { return nil }
        let token = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        sessions[token] = name
        return (account.user, token)
    }

    func signOut(token: String) { sessions[token] = nil }

    func user(forToken token: String) -> NotesUser? {
        sessions[token].flatMap { accounts[$0]?.user }
    }

    func user(id: String) -> NotesUser? {
        accounts.values.first { $0.user.id == id }?.user
    }

    /// Sets the admin flag; returns the roles before and after, or nil for an unknown user.
    func setAdmin(_ admin: Bool, forUserID id: String) -> (before: [String], after: [String])? {
        guard let name = accounts.first(where: { $0.value.user.id == id })?.key else { return nil }
        let before = accounts[name]!.user.isAdmin ? ["admin"] : ["member"]
        accounts[name]!.user.isAdmin = admin
        return (before, admin ? ["admin"] : ["member"])
    }
}
