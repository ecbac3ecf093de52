// FirstSeenLogTests.swift: catalog.seen on real files — damaged, truncated and garbage records.

import AllmendeCrypto
@testable import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("First-seen log")
struct FirstSeenLogTests {
    static func id(_ seed: UInt8) -> ContentID { ContentID(digest: [UInt8](repeating: seed, count: 32)) }

    @Test("a flipped bit loses only its own record; a torn tail is cut by the next append")
    func damagedRecords() throws {
        try withTempDirectory("firstseen") { folder throws in
            let path = folder.file("catalog.seen")
            let log = FirstSeenLog(path: path)
            for seed: UInt8 in 1...3 { try log.record(Self.id(seed), at: 1_000 + Int64(seed)) }
            try FsckTests.flipByte(at: FirstSeenLog.recordSize + 35, in: path)   // inside record 2's time
            let tail = try FileDescriptor.open(path, O_WRONLY | O_APPEND)
            try tail.writeAll([UInt8](repeating: 0xAB, count: 10))               // a torn append
            tail.close()

            let reopened = FirstSeenLog(path: path)
            #expect(reopened.time(of: Self.id(1)) == 1_001)
            #expect(reopened.time(of: Self.id(2)) == nil)
            #expect(reopened.time(of: Self.id(3)) == 1_003)
            try reopened.record(Self.id(4), at: 1_004)
            #expect(try FileSystem.size(of: path) == 4 * FirstSeenLog.recordSize)
            #expect(FirstSeenLog(path: path).time(of: Self.id(4)) == 1_004)
            // A time already recorded is kept: the first sighting wins.
            try reopened.record(Self.id(1), at: 9_999)
            #expect(FirstSeenLog(path: path).time(of: Self.id(1)) == 1_001)
        }
    }

    @Test("a file of garbage yields no times and still takes new records")
    func garbageFile() throws {
        try withTempDirectory("firstseen") { folder throws in
            let path = folder.file("catalog.seen")
            try FileSystem.writeAtomically(pseudoRandomBytes(count: 100 * FirstSeenLog.recordSize + 7, seed: 5), to: path)
            let log = FirstSeenLog(path: path)
            #expect(log.time(of: Self.id(1)) == nil)
            try log.record(Self.id(1), at: 42)
            #expect(FirstSeenLog(path: path).time(of: Self.id(1)) == 42)
        }
    }
}
