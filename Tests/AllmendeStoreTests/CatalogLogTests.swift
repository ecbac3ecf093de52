// CatalogLogTests.swift: the append-only catalog log survives torn tails and corrupt records.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Catalog log")
struct CatalogLogTests {
    static func statements(_ count: Int) throws -> [SignedStatement] {
        let key = try Ed25519PrivateKey()
        let identity = NodeID(publicKey: key.publicKey)
        return try (0..<count).map { number in
            try SignedStatement.sign(Statement(kind: .attest, package: SHA256Hasher.hash([UInt8(number % 256), 1]), identity: identity,
                                               time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)), note: "build report \(number)"),
                                     with: key, delegation: nil)
        }
    }

    @Test("appends survive reopening, duplicates are ignored")
    func reopen() throws {
        try withTempDirectory("catalog") { folder throws in
            let path = folder.file("catalog")
            let statements = try Self.statements(20)
            let log = try CatalogLog(path: path)
            for statement in statements { #expect(try log.append(statement)) }
            #expect(try !log.append(statements[3]))
            let reopened = try CatalogLog(path: path)
            #expect(reopened.count == 20)
            #expect(reopened.tornTailBytes == 0 && reopened.damage.isEmpty)
            #expect(try reopened.entries() == statements)
            #expect(reopened.contains(try statements[7].statementID()))
        }
    }

    @Test("a torn tail (a record cut short) is skipped on open without writing, and cut by the next append", arguments: [1, 7, 8, 100])
    func tornTail(cut: Int) throws {
        try withTempDirectory("catalog") { folder throws in
            let path = folder.file("catalog")
            let statements = try Self.statements(10)
            let log = try CatalogLog(path: path)
            for statement in statements { try log.append(statement) }
            let size = try FileSystem.size(of: path)
            let lastSize = try statements[9].canonicalBytes().count + 8
            let descriptor = try FileDescriptor.open(path, O_RDWR)
            try descriptor.truncate(to: size - min(cut, lastSize - 1))
            descriptor.close()
            let before = try FileSystem.readFile(path)
            let reopened = try CatalogLog(path: path)
            #expect(reopened.count == 9)
            #expect(reopened.tornTailBytes == lastSize - min(cut, lastSize - 1))
            #expect(reopened.damage.isEmpty)
            #expect(try reopened.entries() == Array(statements.prefix(9)))
            #expect(try FileSystem.readFile(path) == before, "opening and reading never write")
            // The next append cuts the tail (a copy goes to quarantine) and the log goes on normally.
            #expect(try reopened.append(statements[9]))
            #expect(try FileSystem.size(of: path) == size)
            #expect(try FileSystem.contentsOfDirectory(folder.file("quarantine")).count == 1)
            let again = try CatalogLog(path: path)
            #expect(again.count == 10)
            #expect(again.tornTailBytes == 0)
        }
    }

    @Test("a damaged record in the middle is skipped and every later record kept; garbage after the end is a tail")
    func corruption() throws {
        try withTempDirectory("catalog") { folder throws in
            let path = folder.file("catalog")
            let statements = try Self.statements(6)
            let log = try CatalogLog(path: path)
            for statement in statements { try log.append(statement) }
            let descriptor = try FileDescriptor.open(path, O_WRONLY | O_APPEND)
            try descriptor.writeAll(pseudoRandomBytes(count: 333, seed: 3))
            descriptor.close()
            #expect(try CatalogLog(path: path).count == 6)
            let recordStart = try statements.prefix(4).reduce(0) { $0 + (try $1.canonicalBytes().count) + 8 }
            try FsckTests.flipByte(at: recordStart + 8 + 20, in: path)
            let reopened = try CatalogLog(path: path)
            #expect(reopened.count == 5)
            #expect(try reopened.entries() == Array(statements.prefix(4)) + [statements[5]])
            let logSize = try statements.reduce(0) { $0 + (try $1.canonicalBytes().count) + 8 }
            // Random bytes after the end are not an append cut short: they are damage too.
            #expect(reopened.damage == [CatalogDamage(offset: recordStart, length: try statements[4].canonicalBytes().count + 8),
                                        CatalogDamage(offset: logSize, length: 333)])
            #expect(reopened.tornTailBytes == 0)
            let moved = try reopened.repair()
            #expect(moved.map(\.length) == [try statements[4].canonicalBytes().count + 8, 333])
            #expect(try CatalogLog(path: path).entries() == Array(statements.prefix(4)) + [statements[5]])
        }
    }

    @Test("bit flips at 20 random offsets of a 50-entry catalog: every undamaged record is kept; repair moves the damage aside",
          arguments: [UInt64(1), 2, 3])
    func damagedByBitFlips(seed: UInt64) throws {
        try withTempDirectory("catalog") { folder throws in
            let path = folder.file("catalog")
            let statements = try Self.statements(50)
            let log = try CatalogLog(path: path)
            for statement in statements { try log.append(statement) }
            var ranges: [Range<Int>] = []
            var offset = 0
            for statement in statements {
                let size = try statement.canonicalBytes().count + 8
                ranges.append(offset..<offset + size)
                offset += size
            }
            let flips = bitFlips(count: 20, size: offset, seed: seed)
            for flip in flips { try flipBit(flip.bit, at: flip.offset, in: path) }
            // Two flips may land in the same byte and cancel out; a record is intact if its bytes are unchanged.
            let damaged = Set(ranges.indices.filter { index in
                let inRecord = flips.filter { ranges[index].contains($0.offset) }
                return Dictionary(grouping: inRecord, by: { $0.offset * 8 + $0.bit }).values.contains { $0.count % 2 == 1 }
            })
            let expected = statements.indices.filter { !damaged.contains($0) }.map { statements[$0] }
            let reopened = try CatalogLog(path: path)
            #expect(try reopened.entries() == expected)
            #expect(reopened.count == expected.count)
            let damagedBytes = reopened.damage.reduce(0) { $0 + $1.length } + reopened.tornTailBytes
            #expect(damagedBytes == damaged.reduce(0) { $0 + ranges[$1].count })
            // Another process has the log open while it is repaired: it follows the rewritten file.
            let other = try CatalogLog(path: path)
            let moved = try reopened.repair()
            #expect(moved.reduce(0) { $0 + $1.length } == damagedBytes)
            #expect(reopened.damage.isEmpty && reopened.tornTailBytes == 0)
            #expect(try FileSystem.size(of: path) == offset - damagedBytes)
            let quarantined = try FileSystem.contentsOfDirectory(folder.file("quarantine"))
            #expect(quarantined.count == moved.count)
            #expect(other.count == expected.count && other.damage.isEmpty)
            let lost = statements.indices.filter { damaged.contains($0) }.map { statements[$0] }
            for statement in lost { #expect(try other.append(statement)) }
            #expect(try CatalogLog(path: path).count == 50)
            #expect(reopened.count == 50)
        }
    }

    @Test("CRC-32C matches its published check value, and a bit-by-bit reference at every length")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        func reference(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        let data = pseudoRandomBytes(count: 300, seed: 77)
        for length in 0...data.count { #expect(CRC32C.checksum(Array(data.prefix(length))) == reference(Array(data.prefix(length)))) }
    }
}

