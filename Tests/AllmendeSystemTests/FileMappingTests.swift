// FileMappingTests.swift: read-only mappings of file ranges on real files.

import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("FileMapping")
struct FileMappingTests {
    @Test("a mapped range holds the file's bytes, at page-aligned and unaligned offsets", arguments: [0, 4096, 1, 70_001])
    func mappedRange(offset: Int) throws {
        try withTempDirectory("map") { folder throws in
            let data = pseudoRandomBytes(count: 300_000, seed: 4)
            let path = try folder.write("data.bin", data)
            let descriptor = try FileDescriptor.openForReading(path)
            let mapping = try FileMapping.map(descriptor, offset: offset, count: 100_000)
            descriptor.close()   // the mapping stays valid without the descriptor
            #expect(mapping.count == 100_000)
            #expect(Array(mapping.bytes) == Array(data[offset..<offset + 100_000]))
            mapping.unmap()
        }
    }

    @Test("empty ranges, negative offsets and closed descriptors are errors that name the file")
    func refusals() throws {
        try withTempDirectory("map") { folder throws in
            let path = try folder.write("data.bin", [1, 2, 3])
            let descriptor = try FileDescriptor.openForReading(path)
            #expect(throws: SystemError.self) { try FileMapping.map(descriptor, offset: 0, count: 0) }
            #expect(throws: SystemError.self) { try FileMapping.map(descriptor, offset: -1, count: 1) }
            descriptor.close()
            do {
                _ = try FileMapping.map(descriptor, offset: 0, count: 3)
                Issue.record("mapping a closed descriptor succeeded")
            } catch {
                #expect(String(describing: error).contains("data.bin"))
            }
        }
    }
}
