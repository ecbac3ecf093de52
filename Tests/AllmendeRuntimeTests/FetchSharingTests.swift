// FetchSharingTests.swift: real nodes on 127.0.0.1: a second fetch of a package joins the running one (the seeder
// sends it once); a fetch whose caller gives up is cancelled and the next one resumes from what arrived.

import AllmendeCrypto
import AllmendeModel
@testable import AllmendeRuntime
import AllmendeStore
import AllmendeTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Fetches shared and cancelled", .serialized)
struct FetchSharingTests {
    /// A seeder that uploads at 8 MiB/s, so a 12 MiB fetch takes long enough to join or cancel.
    static func slowSeeder(_ options: inout NodeOptions) { options.uploadBytesPerSecond = 8 << 20 }
    /// Slower still: a caller that gives up after 3 MiB has seconds to be noticed even on a loaded machine.
    static func slowerSeeder(_ options: inout NodeOptions) { options.uploadBytesPerSecond = 3 << 20 }

    @Test("two fetches of one package at once: both succeed, the seeder sends it once")
    func joined() throws {
        try TestNode.withPair("sharing", configureA: Self.slowSeeder) { a, b, folder throws in
            let package = try a.publishLargePackage(size: 12 << 20, in: folder)
            #expect(b.waitForConnections(to: [a.id]))
            let results = LockedList<Bool>()
            let started = DispatchSemaphore(value: 0)
            let second = Thread {
                started.wait()
                results.append((try? b.runtime.fetch(package)) != nil)
            }
            second.start()
            let mostWaiting = Mutex(0)
            let signalled = Mutex(false)
            let first = try b.runtime.fetch(package) { progress in
                let waiting = b.runtime.runningFetches.first?.waiting ?? 0
                mostWaiting.withLock { $0 = max($0, waiting) }
                if progress.bytesDone > 0 && !signalled.withLock({ let was = $0; $0 = true; return was }) { started.signal() }
            }
            #expect(CatalogGossipTests.waitUntil { results.all.count == 1 })
            #expect(results.all == [true])
            #expect(first.bytesDownloaded >= 12 << 20)
            // The second caller joined the running fetch (two waited for it at once).
            #expect(mostWaiting.withLock { $0 } == 2)
            let sent = a.runtime.connectionSummaries().reduce(0) { $0 + $1.bytesOut }
            #expect(sent < (12 << 20) * 5 / 4, "the seeder sent \(sent) bytes for a 12 MiB package")
            #expect(b.runtime.runningFetches.isEmpty)
        }
    }

    @Test("a fetch whose caller gives up is cancelled; fetching again resumes from what arrived")
    func cancelledThenResumed() throws {
        try TestNode.withPair("sharing", configureA: Self.slowerSeeder) { a, b, folder throws in
            let package = try a.publishLargePackage(size: 12 << 20, in: folder)
            #expect(b.waitForConnections(to: [a.id]))
            let gaveUp = Mutex(false)
            let error = #expect(throws: FetchError.self) {
                try b.runtime.fetch(package, progress: { progress in
                    if progress.bytesDone >= 3 << 20 { gaveUp.withLock { $0 = true } }
                }, isAbandoned: { gaveUp.withLock { $0 } })
            }
            #expect(error == .cancelled(package: package))
            #expect(b.runtime.runningFetches.isEmpty)
            let again = try b.runtime.fetch(package)
            #expect(again.bytesReused >= 2 << 20)
            #expect(again.bytesDownloaded + again.bytesReused == 12 << 20)
            #expect(try b.runtime.store.verifyPackage(package).isIntact)
        }
    }
}
