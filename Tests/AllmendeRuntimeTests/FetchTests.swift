// FetchTests.swift: real nodes on 127.0.0.1 with real TLS: publish on one, fetch by ID on another.

import AllmendeCrypto
import AllmendeModel
@testable import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Fetching over the network", .serialized)
struct FetchTests {
    @Test("three nodes: publish on A, fetch on C by ID only; files identical, verify passes")
    func threeNodes() throws {
        try TestNode.withPair("net") { a, b, folder throws in
            let c = try TestNode.start("c", in: folder, peers: [PeerEntry(address: a.address, node: a.id), PeerEntry(address: b.address, node: b.id)])
            defer { c.runtime.stop() }
            let package = try a.publishExample("timber-wall-block")
            #expect(c.waitForConnections(to: [a.id, b.id]))
            let result = try c.runtime.fetch(package)
            #expect(result.sources == [a.id])
            let report = try c.runtime.store.verifyPackage(package)
            #expect(report.isIntact, "\(report.problems)")
            try c.runtime.store.export(package, to: folder.file("out"), force: false)
            for file in result.manifest.files {
                #expect(try FileSystem.readFile(folder.file("out/" + file.path.text))
                        == FileSystem.readFile(Repository.root + "/Examples/packages/timber-wall-block/" + file.path.text))
            }
            // Now B fetches too, and C can be served by either.
            #expect(b.waitForConnections(to: [a.id]))
            _ = try b.runtime.fetch(package)
            #expect(try b.runtime.store.verifyPackage(package).isIntact)
        }
    }

    @Test("a store damaged after a fetch is repaired by fsck --repair and fetching again")
    func repairByRefetching() throws {
        try TestNode.withPair("net") { a, b, folder throws in
            let package = try a.publishExample("timber-wall-block")
            #expect(b.waitForConnections(to: [a.id]))
            let manifest = try b.runtime.fetch(package).manifest
            let victim = try #require(manifest.file(at: "cutting/wb-m-side-panel.dxf"))
            let path = b.runtime.store.blobs.path(of: victim.sha256)
            chmod(path, 0o644)
            try FileSystem.writeAtomically(Array("damaged".utf8), to: path, mode: 0o444)
            #expect(!(try b.runtime.store.verifyPackage(package).isIntact))
            let repaired = try b.runtime.store.blobs.fsck(repair: true)
            #expect(repaired.repairs.count == 1)
            let again = try b.runtime.fetch(package)
            #expect(again.bytesDownloaded == victim.size)
            #expect(try b.runtime.store.verifyPackage(package).isIntact)
        }
    }

    @Test("an unknown package is reported as missing on every peer")
    func unknownPackage() throws {
        try TestNode.withPair("net") { a, b, folder throws in
            #expect(b.waitForConnections(to: [a.id]))
            let missing = SHA256Hasher.hash(Array("no such design".utf8))
            let error = #expect(throws: FetchError.self) { try b.runtime.fetch(missing) }
            #expect(error == .noSource(package: missing, askedPeers: 1))
        }
    }

    @Test("a peer that lost part of a blob answers 'not found'; the fetch asks a bounded number of times, then says which chunks")
    func partlyLostBlob() throws {
        try TestNode.withPair("net") { a, b, folder throws in
            let package = try a.publishLargePackage(size: 3 * ChunkIndex.defaultChunkSize + 500, in: folder)
            let manifest = try a.runtime.store.manifest(package)
            let blob = try #require(manifest.files.max { $0.size < $1.size }).sha256
            // Cut the seeder's copy inside chunk 1: chunk 0 can still be served, chunks 1–3 cannot.
            let path = a.runtime.store.blobs.path(of: blob)
            chmod(path, 0o644)
            #expect(truncate(path, off_t(ChunkIndex.defaultChunkSize + 4096)) == 0)
            #expect(b.waitForConnections(to: [a.id]))
            let error = #expect(throws: FetchError.self) { try b.runtime.fetch(package) }
            #expect(error == .chunksUnobtainable(blob: blob, stored: 1, total: 4, failed: [1, 2, 3], peersLeft: true), "\(String(describing: error))")
            // The chunk that came is kept for a later attempt from a peer that has the whole blob.
            #expect(FileSystem.exists(b.runtime.store.blobs.partialFile(of: blob)))
        }
    }

    @Test("a peer that answers 'busy' is asked again after a rest, without counting it as a failure")
    func busyPeer() throws {
        // Five busy answers (the first ones go to the manifest's one chunk): more than the four failures a chunk
        // may have, so only rest-and-retry gets through.
        try TestNode.withPair("net", configureA: { $0.busyAnswersForTesting = 5 }) { a, b, folder throws in
            let package = try a.publishLargePackage(size: 3 * ChunkIndex.defaultChunkSize + 500, in: folder)
            #expect(b.waitForConnections(to: [a.id]))
            let result = try b.runtime.fetch(package)
            #expect(result.sources == [a.id])
            #expect(try b.runtime.store.verifyPackage(package).isIntact)
            #expect(a.runtime.busyAnswersLeft.withLock { $0 } == 0)
        }
    }
}
