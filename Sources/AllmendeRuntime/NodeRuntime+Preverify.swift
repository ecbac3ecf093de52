// NodeRuntime+Preverify.swift: AllmendeRuntime. Catalog entries that arrive together (a peer answering this
// node's reconciliation) are parsed and their signatures checked ahead, on every core, before the core sees
// them one by one: taking in a whole catalog is bound by signature checks.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import Dispatch
import Foundation
import Synchronization

/// An entry parsed and signature-checked ahead: the entry, or why it did not parse or verify.
struct PreverifiedEntry: Sendable {
    let entry: CatalogEntry?
    let problem: String?
}

extension NodeRuntime {
    /// Most entries kept checked ahead (a batch is delivered right after it is checked).
    static let maximumPreverified = 4096

    func connection(_ connection: PeerConnection, willReceive entries: [[UInt8]]) {
        // Only entries this node asked for: an unsolicited flood is dropped by the gossip limit unread, and must
        // not cost signature checks first.
        guard entries.count >= 8, core.withLock({ $0.expectsEntries(on: ObjectIdentifier(connection)) }) else { return }
        let parts = min(ProcessInfo.processInfo.activeProcessorCount, 8)
        let results = Mutex<[ContentID: PreverifiedEntry]>([:])
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var local: [ContentID: PreverifiedEntry] = [:]
            for index in stride(from: part, to: entries.count, by: parts) {
                local[SHA256Hasher.hash(entries[index])] = Self.preverify(entries[index])
            }
            results.withLock { $0.merge(local) { first, _ in first } }
        }
        let checked = results.withLock { $0 }
        state.withLock { state in
            if state.preverified.count + checked.count > Self.maximumPreverified { state.preverified.removeAll() }
            state.preverified.merge(checked) { first, _ in first }
        }
    }

    /// The entry checked ahead with this ID, if any (taken: each is used once).
    func takePreverified(_ id: ContentID) -> PreverifiedEntry? { state.withLock { $0.preverified.removeValue(forKey: id) } }

    private static func preverify(_ bytes: [UInt8]) -> PreverifiedEntry {
        let entry: CatalogEntry
        do { entry = try CatalogEntry(parsing: bytes) } catch { return PreverifiedEntry(entry: nil, problem: "\(error)") }
        guard case let .statement(signed) = entry else { return PreverifiedEntry(entry: entry, problem: nil) }
        do { _ = try signed.verify() } catch { return PreverifiedEntry(entry: entry, problem: "\(error)") }
        return PreverifiedEntry(entry: entry, problem: nil)
    }
}
