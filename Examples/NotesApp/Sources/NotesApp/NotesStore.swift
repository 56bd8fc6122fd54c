/// A note.
struct Note: Sendable, Hashable {
    var id: Int
    var owner: String
    var title: String
    var body: String

    var json: [String: String] { ["id": String(id), "owner": owner, "title": title, "body": body] }
}

/// The example's notes, in memory.
actor NotesStore {
    private var notes: [Int: Note] = [:]
    private var nextID = 1

    func create(owner: String, title: String, body: String) -> Note {
        let note = Note(id: nextID, owner: owner, title: title, body: body)
        notes[note.id] = note
        nextID += 1
        return note
    }

    func notes(of owner: String) -> [Note] {
        notes.values.filter { $0.owner == owner }.sorted { $0.id < $1.id }
    }

    func note(_ id: Int) -> Note? { notes[id] }

    /// Replaces title and body; returns the note before and after.
    func update(_ id: Int, title: String, body: String) -> (Note, Note)? {
        guard let before = notes[id] else { return nil }
        var after = before
        after.title = title
        after.body = body
        notes[id] = after
        return (before, after)
    }

    func delete(_ id: Int) -> Note? { notes.removeValue(forKey: id) }
}
