import AuditTrail
import HTTPTypes
import Hummingbird

/// Checkpoints, proofs and verification. Every hash is standard base64 (RFC 4648 §4, padded) of
/// 32 bytes — the encoding of the root line of the checkpoint note — and every proof is RFC 6962
/// / RFC 9162: leaf `i` is the event with seq `i + 1`, its hash `SHA-256(0x00 ‖ canonical bytes)`.
extension AuditReadRoutes {
    /// `GET /checkpoints/latest` (readers): the newest signed tree head →
    /// `{"tree_size","root_hash","time","signature","key_id","key_name","origin","note","public_key"}`;
    /// 404 before the first checkpoint. `public_key` is the server's verifier key when it signed
    /// the note (null while the newest note is still signed by a replaced key): what
    /// `audittrail verify --server` pins on first use when it is given no key.
    @Sendable func latestCheckpoint(_ request: Request, context: Context) async throws -> Response {
        _ = try await authorize(.checkpoint, request, context)
        _ = try AuditRequestInput.integerParameters(request, [])
        guard let stored = try await store.latestCheckpoint() else {
            throw AuditProblem.notFound("no checkpoint has been signed yet")
        }
        let note = try AuditSignedNote(parsing: stored.note)
        let checkpoint = try AuditCheckpoint(body: note.text)
        // This server's signature; after a key change, the older key's until the next checkpoint.
        guard
            let signature = note.signatures.first(where: { $0.name == publicKey.name && $0.keyID == publicKey.keyID })
                ?? note.signatures.first
        else { throw AuditTrailError(.tampered, "the latest checkpoint has no signature") }
        let keyID = signature.keyID
        let ownKey = signature.name == publicKey.name && signature.keyID == publicKey.keyID
        var w = AuditJSONWriter(capacity: 512 + stored.note.utf8.count)
        w.object { o in
            o.int("tree_size", checkpoint.size)
            o.string("root_hash", checkpoint.rootHashBase64)
            o.time("time", checkpoint.time ?? stored.time)
            o.string("signature", AuditBase64.encode(signature.signature))
            o.string("key_id", AuditSignerPublicKey.hex(keyID))
            o.string("key_name", signature.name)
            o.string("origin", checkpoint.origin)
            o.string("note", stored.note)
            o.string("public_key", ownKey ? publicKey.text : nil)
        }
        return AuditRequestInput.json(w.bytes)
    }

    /// `GET /proofs/inclusion?seq=&tree_size=` (readers): the audit path of event `seq` in the
    /// tree of `tree_size` events → `{"seq","leaf_index","tree_size","leaf_hash","audit_path":[…]}`.
    @Sendable func inclusionProof(_ request: Request, context: Context) async throws -> Response {
        _ = try await authorize(.inclusionProof, request, context)
        let values = try AuditRequestInput.integerParameters(request, ["seq", "tree_size"])
        let (seq, treeSize) = (values["seq"]!, values["tree_size"]!)
        var errors: [AuditTrailError.FieldError] = []
        if seq < 1 { errors.append(.init(field: "seq", message: "must be at least 1")) }
        if treeSize < 1 { errors.append(.init(field: "tree_size", message: "must be at least 1")) }
        try AuditRequestInput.throwIfAny(errors)
        // Well-formed but naming no proof: the event is not in a tree that small (404, like an
        // unknown id, since the OpenAPI document cannot relate two parameters).
        if seq > treeSize { throw Self.noProof("seq", "event \(seq) is not in the tree of \(treeSize) events") }
        try await requireTreeSize(treeSize, field: "tree_size")
        let proof = try await store.inclusionProof(index: seq - 1, size: treeSize)
        let leaf = try await store.hash(level: 0, index: seq - 1)
        var w = AuditJSONWriter(capacity: 256 + proof.count * 48)
        w.object { o in
            o.int("seq", seq)
            o.int("leaf_index", seq - 1)
            o.int("tree_size", treeSize)
            o.string("leaf_hash", leaf.base64)
            o.array("audit_path") { a in for hash in proof { a.element(hash.base64) } }
        }
        return AuditRequestInput.json(w.bytes)
    }

    /// `GET /proofs/consistency?from=&to=` (readers): the proof that the tree of `from` events
    /// is a prefix of the tree of `to` events → `{"from","to","proof":[…]}`.
    @Sendable func consistencyProof(_ request: Request, context: Context) async throws -> Response {
        _ = try await authorize(.consistencyProof, request, context)
        let values = try AuditRequestInput.integerParameters(request, ["from", "to"])
        let (from, to) = (values["from"]!, values["to"]!)
        var errors: [AuditTrailError.FieldError] = []
        if from < 1 { errors.append(.init(field: "from", message: "must be at least 1")) }
        if to < 1 { errors.append(.init(field: "to", message: "must be at least 1")) }
        try AuditRequestInput.throwIfAny(errors)
        if from > to { throw Self.noProof("from", "a tree of \(from) events is not a prefix of a smaller one (from must be at most to)") }
        try await requireTreeSize(to, field: "to")
        let proof = try await store.consistencyProof(from: from, to: to)
        var w = AuditJSONWriter(capacity: 128 + proof.count * 48)
        w.object { o in
            o.int("from", from)
            o.int("to", to)
            o.array("proof") { a in for hash in proof { a.element(hash.base64) } }
        }
        return AuditRequestInput.json(w.bytes)
    }

    /// `POST /verify` (admin, auditor): re-hashes the stored chain and Merkle tree and checks
    /// every checkpoint's root and signature → `{"ok","checked","first_bad_seq","problem","kind",
    /// "checkpoints_checked","head_seq","checkpoints_covered_by_anchor","first_seq",
    /// "indexes_checked_events"}`. The body is empty, `{}` or `{"indexes": true}` (also check every
    /// piece of derived data against the canonical bytes). Recorded as `audit.verify`.
    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        let access = try await authorize(.verify, request, context)
        _ = try AuditRequestInput.integerParameters(request, [])
        let body = try await AuditRequestInput.body(request, limit: Self.maxVerifyBodyBytes, field: "body")
        var indexes = false
        if body.readableBytes > 0 {
            guard case .object(let object) = try JSONParser.parse(body.readableBytesView, limits: .request) else {
                throw AuditTrailError.invalid("body", "must be empty or a JSON object")
            }
            if let name = object.keys.sorted().first(where: { $0 != "indexes" }) { throw AuditTrailError.invalid(name, "unknown field") }
            if let value = object["indexes"] {
                guard case .bool(let flag) = value else { throw AuditTrailError.invalid("indexes", "must be true or false") }
                indexes = flag
            }
        }
        var result = try await store.verifyLog(publicKey: publicKey)
        var derived: AuditIndexVerification?
        if indexes, result.ok {
            derived = try await store.verifyDerivedData(progress: nil)
            result.problem = derived?.problem
        }
        if let actor = access.actor {
            try await record(
                AuditEventInput(
                    action: "audit.verify",
                    outcome: result.ok ? .success : .failure,
                    actor: actor,
                    resource: .init(type: "audit_log", id: routeName(.verify)),
                    metadata: .object(["checked": .int(result.checked), "first_bad_seq": result.problem.map { .int($0.seq) } ?? .null])
                )
            )
        }
        var w = AuditJSONWriter()
        w.object { o in
            o.bool("ok", result.ok)
            o.int("checked", result.checked)
            o.int("first_bad_seq", result.problem?.seq)
            o.string("problem", result.problem.map { "\($0.kind.rawValue): \($0.detail)" })
            o.string("kind", result.problem?.kind.rawValue)
            o.int("checkpoints_checked", Int64(result.checkpointsChecked))
            o.int("head_seq", result.head.seq)
            o.int("checkpoints_covered_by_anchor", Int64(result.checkpointsCoveredByAnchor))
            o.int("first_seq", (result.anchor?.seq ?? 0) + 1)
            o.int("indexes_checked_events", derived?.checkedEvents)
        }
        return AuditRequestInput.json(w.bytes)
    }

    /// 400 naming `field` when the log (and its stored tree) has fewer than `size` events.
    func requireTreeSize(_ size: Int64, field: String) async throws {
        let available = min(try await store.head().seq, try await store.merkleSize())
        guard size <= available else {
            throw Self.noProof(field, "the log has no tree of \(size) events yet: its size is \(available)")
        }
    }

    /// A 404 for a well-formed proof request that names no proof, naming the parameter.
    static func noProof(_ field: String, _ message: String) -> AuditTrailError {
        AuditTrailError(.notFound, "\(field): \(message)", fieldErrors: [.init(field: field, message: message)])
    }
}
