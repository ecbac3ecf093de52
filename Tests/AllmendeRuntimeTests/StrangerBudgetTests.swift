// StrangerBudgetTests.swift: a stranger floods a node with validly signed entries from throw-away identities.
// The catalog stays within the strangers' budget, one identity within its daily quota, and a trusted lab's
// entry still arrives at once.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeTestSupport
import AllmendeWire
import Foundation
import Testing

@Suite("Strangers' budget", .serialized)
struct StrangerBudgetTests {
    static func attest(_ key: Ed25519PrivateKey, number: Int, noteSize: Int = 400) throws -> [UInt8] {
        try SignedStatement.sign(Statement(kind: .attest, package: SHA256Hasher.hash(Array("package \(number)".utf8)),
                                           identity: NodeID(publicKey: key.publicKey),
                                           time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)),
                                           note: String(repeating: "x", count: noteSize) + " \(number)"),
                                 with: key, delegation: nil).canonicalBytes()
    }

    @Test("a flood of valid entries from throw-away identities stays within the budget; a trusted lab's entry still arrives")
    func flood() throws {
        try withTempDirectory("strangers") { folder throws in
            let trustedKey = try Ed25519PrivateKey()
            let trusted = NodeID(publicKey: trustedKey.publicKey)
            let budget = 64 * 1024
            let target = try TestNode.start("target", in: folder) {
                $0.strangerLimits.totalBytes = budget
                $0.strangerLimits.entriesPerDay = 5
                $0.trusted = [trusted]
            }
            defer { target.runtime.stop() }
            // 1,000 entries (the announce burst), each from one of 200 throw-away identities, plus 20 from one.
            let throwaway = try (0..<200).map { _ in try Ed25519PrivateKey() }
            var frames = RawClient.hello
            var sent = 0
            for number in 0..<1000 { frames += MessageCodec.frame(.announce(entry: try Self.attest(throwaway[number % 200], number: number))) }
            let persistent = try Ed25519PrivateKey()
            for number in 0..<20 { frames += MessageCodec.frame(.announce(entry: try Self.attest(persistent, number: 5000 + number))) }
            let raw = try RawClient(port: target.runtime.listenPort)
            defer { raw.close() }
            try raw.send(frames)
            sent = 1020
            #expect(target.waitForEvent { if case .strangersEvicted = $0 { true } else { false } })
            // A trusted lab's entry is kept at once, whatever the flood.
            let honest = try Self.attest(trustedKey, number: 9999, noteSize: 50)
            #expect(target.runtime.acceptEntry(honest) == .accepted)
            #expect(target.runtime.store.catalog.ids.contains(SHA256Hasher.hash(honest)))
            // Everything the flood left is within the budget (plus the one entry that triggered the last eviction).
            #expect(CatalogGossipTests.waitUntil {
                target.runtime.events.all.contains { if case let .entryOverBudget(_, identity) = $0 { identity == NodeID(publicKey: persistent.publicKey) } else { false } }
            })
            let kept = target.runtime.store.catalog.ids.compactMap { target.runtime.store.catalog.entryBytes($0) }
            let strangerBytes = kept.filter { (try? CatalogEntry(parsing: $0)).map { if case let .statement(s) = $0 { s.statement.identity != trusted } else { false } } ?? false }
                .reduce(0) { $0 + $1.count }
            #expect(strangerBytes <= budget + 1024, "strangers hold \(strangerBytes) bytes, budget \(budget)")
            #expect(kept.count < sent)
            let fromPersistent = kept.filter { (try? SignedStatement(parsing: $0))?.statement.identity == NodeID(publicKey: persistent.publicKey) }
            #expect(fromPersistent.count <= 5)
            // The flooder was never struck: it is still connected.
            #expect(target.runtime.connectionSummaries().contains { $0.name == "raw" })
        }
    }

    static func profile(_ key: Ed25519PrivateKey, number: Int) throws -> [UInt8] {
        var profile = LabProfile(identity: NodeID(publicKey: key.publicKey), time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)),
                                 name: "Throw-away lab \(number)")
        profile.location = LabLocation(city: "Hamburg", country: "DE")
        profile.description = String(repeating: "junk ", count: 160)
        return try SignedLabProfile.sign(profile, with: key, delegation: nil).canonicalBytes()
    }

    @Test("lab profiles from strangers count against the same budget, evicted oldest first, and are counted again after a restart")
    func profilesFromStrangers() throws {
        try withTempDirectory("strangers-profiles") { folder throws in
            let budget = 16 * 1024
            func start() throws -> TestNode { try TestNode.start("target", in: folder) { $0.strangerLimits.totalBytes = budget } }
            let target = try start()
            for number in 0..<40 { _ = target.runtime.acceptEntry(try Self.profile(try Ed25519PrivateKey(), number: number)) }
            #expect(target.waitForEvent { if case .strangersEvicted = $0 { true } else { false } })
            let held = target.runtime.store.catalog.ids.compactMap { target.runtime.store.catalog.entryBytes($0) }.reduce(0) { $0 + $1.count }
            #expect(held <= budget + 2048, "strangers' profiles hold \(held) bytes, budget \(budget)")
            #expect(target.runtime.store.labProfiles().count >= 10)
            target.runtime.stop()
            // After a restart the profiles already held count: the next ones soon evict again.
            let again = try start()
            defer { again.runtime.stop() }
            for number in 40..<44 { _ = again.runtime.acceptEntry(try Self.profile(try Ed25519PrivateKey(), number: number)) }
            #expect(again.waitForEvent { if case .strangersEvicted = $0 { true } else { false } }, "the profiles held before the restart were not counted")
        }
    }
}
