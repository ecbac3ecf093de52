// ZIPLayoutTests.swift: CRC-32 against known values; archives read back by an independent reader written here and,
// where present, by Python's zipfile; ZIP64 by entry count.

import AllmendeTestSupport
import AllmendeZIP
import Foundation
import Testing

/// Writes an archive of `files` the way a stream would: header, data, descriptor, …, trailer.
private func archive(_ files: [(String, [UInt8])]) -> (bytes: [UInt8], layout: ZIPLayout) {
    let layout = ZIPLayout(entries: files.map { ZIPEntry(name: $0.0, size: $0.1.count) }, modified: (2026, 3, 14, 10, 0, 0))
    var out: [UInt8] = []
    var crcs: [UInt32] = []
    for (index, file) in files.enumerated() {
        out += layout.localHeader(index)
        out += file.1
        let crc = CRC32.checksum(file.1)
        crcs.append(crc)
        out += layout.dataDescriptor(index, crc: crc)
    }
    out += layout.trailer(crcs: crcs)
    return (out, layout)
}

/// Reads the central directory (following ZIP64 records) and returns name → (crc, size, local header offset).
private func readCentral(_ bytes: [UInt8]) -> [String: (crc: UInt32, size: Int, offset: Int)] {
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }
    let end = bytes.count - 22
    guard u32(end) == 0x0605_4B50 else { return [:] }
    var count = u16(end + 10), start = u32(end + 16)
    if start == 0xFFFF_FFFF {
        let locator = end - 20
        guard u32(locator) == 0x0706_4B50 else { return [:] }
        let record = u64(locator + 8)
        guard u32(record) == 0x0606_4B50 else { return [:] }
        count = u64(record + 32)
        start = u64(record + 48)
    }
    var result: [String: (crc: UInt32, size: Int, offset: Int)] = [:]
    var at = start
    for _ in 0..<count {
        guard u32(at) == 0x0201_4B50 else { return [:] }
        let nameLength = u16(at + 28), extraLength = u16(at + 30)
        let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
        var size = u32(at + 24), offset = u32(at + 42)
        if size == 0xFFFF_FFFF {
            let extra = at + 46 + nameLength
            size = u64(extra + 4)
            offset = u64(extra + 20)
        }
        result[name] = (UInt32(u32(at + 16)), size, offset)
        at += 46 + nameLength + extraLength + u16(at + 32)
    }
    return result
}

@Suite("ZIP archives")
struct ZIPLayoutTests {
    @Test("CRC-32 of known inputs (the check value of CRC-32/ISO-HDLC, and lengths around the 8-byte slices)")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        // Slice-by-8 agrees with bytewise updates at every split.
        let bytes = pseudoRandomBytes(count: 1000, seed: 3)
        for split in [0, 1, 7, 8, 9, 500, 999] {
            var crc = CRC32()
            crc.update(Array(bytes[..<split]))
            crc.update(Array(bytes[split...]))
            #expect(crc.value == CRC32.checksum(bytes))
        }
    }

    @Test("an archive's length is known in advance, and every entry reads back with its CRC and bytes")
    func roundTrip() throws {
        let files = [("plan/README.md", Array("# Plan\n".utf8)), ("plan/drawings/frame ä.svg", pseudoRandomBytes(count: 70_000, seed: 1)),
                     ("plan/empty.txt", [])]
        let (bytes, layout) = archive(files)
        #expect(bytes.count == layout.totalSize)
        #expect(!layout.isZIP64)
        let central = readCentral(bytes)
        for (name, data) in files {
            let entry = try #require(central[name])
            #expect(entry.crc == CRC32.checksum(data))
            #expect(entry.size == data.count)
            let nameLength = Int(bytes[entry.offset + 26]) | Int(bytes[entry.offset + 27]) << 8
            let start = entry.offset + 30 + nameLength
            #expect(Array(bytes[start..<(start + data.count)]) == data)
        }
        try checkWithPython(bytes, files)
    }

    @Test("65,535 entries need ZIP64: the end records say so and everything reads back")
    func zip64ByCount() throws {
        let files = (0..<65_535).map { ("f/\($0)", [UInt8(truncatingIfNeeded: $0)]) }
        let (bytes, layout) = archive(files)
        #expect(layout.isZIP64)
        #expect(bytes.count == layout.totalSize)
        let central = readCentral(bytes)
        #expect(central.count == 65_535)
        #expect(central["f/65534"]?.crc == CRC32.checksum([UInt8(truncatingIfNeeded: 65_534)]))
        try checkWithPython(bytes, Array(files.suffix(3)))
    }

    /// Python's zipfile, where it is installed, must read the archive and find the same bytes.
    private func checkWithPython(_ bytes: [UInt8], _ files: [(String, [UInt8])]) throws {
        guard ProcessRunner.isAvailable("python3") else { return }
        try withTempDirectory("zip") { folder in
            let path = try folder.write("a.zip", bytes)
            let script = "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n"
                + "for n in sys.argv[2:]: print(z.read(n).hex())"
            let result = try ProcessRunner.run("python3", ["-c", script, path] + files.map(\.0))
            #expect(result.status == 0, "\(result.standardError)")
            let expected = files.map { $0.1.map { String(format: "%02x", $0) }.joined() }
            #expect(result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == expected)
        }
    }
}
