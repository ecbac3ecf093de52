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
            #expect(reopened.recoveredBytes == 0)
            #expect(try reopened.entries() == statements)
            #expect(reopened.contains(try statements[7].statementID()))
        }
    }

    @Test("a torn tail (a record cut short) is cut on open; every complete record stays", arguments: [1, 7, 8, 100])
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
            let reopened = try CatalogLog(path: path)
            #expect(reopened.count == 9)
            #expect(reopened.recoveredBytes == lastSize - min(cut, lastSize - 1))
            #expect(try FileSystem.size(of: path) == size - lastSize)
            #expect(try reopened.entries() == Array(statements.prefix(9)))
            // The log goes on normally after recovery.
            #expect(try reopened.append(statements[9]))
            #expect(try CatalogLog(path: path).count == 10)
        }
    }

    @Test("a corrupt record and everything after it are cut; garbage appended by a crash is cut")
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
            let offset = try statements.prefix(4).reduce(0) { $0 + (try $1.canonicalBytes().count) + 8 } + 8 + 20
            try FsckTests.flipByte(at: offset, in: path)
            let reopened = try CatalogLog(path: path)
            #expect(reopened.count == 4)
            #expect(try reopened.entries() == Array(statements.prefix(4)))
        }
    }

    @Test("CRC-32C matches its published check value")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
