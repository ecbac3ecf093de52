// PackageZipStream.swift: AllmendeRuntime. `/p/ID.zip`: a stored package as one ZIP (stored entries, CRC-32,
// ZIP64 when needed) streamed from the blob files, with its manifest, its bill of materials as CSV and a NOTICE
// of licence and attribution. Its length is known before the first byte. Spec: Protocol/http.md "Gateway".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeStore
import AllmendeZIP
import Foundation

/// Produces the archive piece by piece as the connection drains.
final class PackageZipStream: HTTPBodyStream {
    /// Where an entry's bytes come from.
    enum Source {
        case bytes([UInt8])
        case blob(path: String)
    }

    let layout: ZIPLayout
    private let sources: [Source]
    private var index = 0
    private var phase = Phase.header
    private var crc = CRC32()
    private var crcs: [UInt32] = []
    private var descriptor: Int32 = -1
    private var offset = 0

    private enum Phase { case header, data, descriptor, trailer, done }

    /// The archive of package `id` (every file must be stored), its folder named after the title and version.
    init?(id: ContentID, manifest: DesignManifest, store: PackageStore) {
        let folder = Self.folderName(manifest.info.title, version: manifest.info.version, id: id)
        var entries: [ZIPEntry] = []
        var sources: [Source] = []
        for file in manifest.files {
            guard store.blobs.has(file.sha256) else { return nil }
            entries.append(ZIPEntry(name: folder + "/" + file.path.description, size: file.size))
            sources.append(.blob(path: store.blobs.path(of: file.sha256)))
        }
        // The package's own files win a name clash with these.
        let taken = Set(manifest.files.map(\.path.description))
        var extras: [(String, [UInt8])] = []
        if let canonical = try? manifest.canonicalBytes() { extras.append(("allmende-manifest.json", canonical)) }
        if !manifest.info.bom.isEmpty, let rollup = try? BOMRollup(manifest: manifest, packageID: id, builds: 1, expand: false, resolve: { _ in nil }) {
            extras.append(("allmende-bom.csv", Array(BOMCSV.csv(rollup).utf8)))
        }
        extras.append(("allmende-NOTICE.txt", Array(Self.notice(id: id, manifest: manifest).utf8)))
        for (name, bytes) in extras where !taken.contains(name) {
            entries.append(ZIPEntry(name: folder + "/" + name, size: bytes.count))
            sources.append(.bytes(bytes))
        }
        let date = manifest.created.utcComponents
        layout = ZIPLayout(entries: entries, modified: (date.year, date.month, date.day, date.hour, date.minute, date.second))
        self.sources = sources
    }

    /// `cargo-bike-trailer-1.2.0`: the title's letters and digits, lower-case, joined by `-` (the ID's start if none).
    static func folderName(_ title: String, version: String, id: ContentID) -> String {
        let words = (title + " " + version).lowercased().unicodeScalars.split { !(($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == ".") }
            .map { String(String.UnicodeScalarView($0)) }.filter { $0 != "." && $0 != ".." }
        let name = words.joined(separator: "-")
        return name.isEmpty ? id.shortHex() : String(name.prefix(80))
    }

    /// The licence and attribution every copy should carry.
    static func notice(id: ContentID, manifest: DesignManifest) -> String {
        let info = manifest.info
        var text = "\(info.title) \(info.version)\n\nLicense: \(info.license) (SPDX)\n"
        if let problem = info.license.openHardwareProblem { text += "Note: not open hardware: \(problem)\n" }
        text += "Licensors: " + info.licensors.map { $0.name + ($0.url.map { " <\($0)>" } ?? "") }.joined(separator: "; ") + "\n"
        if !info.authors.isEmpty {
            text += "Authors: " + info.authors.map { $0.name + ($0.role.map { " (\($0))" } ?? "") }.joined(separator: "; ") + "\n"
        }
        for parent in info.derivedFrom { text += "Derived from package \(parent.package.hex): \(parent.note)\n" }
        text += "\nAllmende package \(id.hex), published by \(manifest.publisher.text) on \(manifest.created).\n"
        text += "allmende-manifest.json is the signed-for manifest: its SHA-256 is the package ID, and it lists the SHA-256 of every file.\n"
        if let safety = info.healthSafety { text += "\nSafety: \(safety)\n" }
        return text
    }

    func next(limit: Int) throws -> [UInt8] {
        while true {
            switch phase {
            case .header:
                guard index < sources.count else { phase = .trailer; continue }
                crc = CRC32()
                offset = 0
                if case let .blob(path) = sources[index] {
                    descriptor = open(path, O_RDONLY | O_CLOEXEC)
                    guard descriptor >= 0 else { throw ZipStreamError.missing(path) }
                }
                phase = .data
                return layout.localHeader(index)
            case .data:
                let size = layout.entries[index].size
                guard offset < size else { phase = .descriptor; continue }
                let count = min(limit, size - offset)
                var piece: [UInt8]
                switch sources[index] {
                case let .bytes(bytes): piece = Array(bytes[offset..<(offset + count)])
                case .blob:
                    piece = [UInt8](repeating: 0, count: count)
                    let read = piece.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
                    guard read > 0 else { throw ZipStreamError.shortRead }
                    piece.removeLast(count - read)
                }
                crc.update(piece)
                offset += piece.count
                return piece
            case .descriptor:
                if descriptor >= 0 { Glibc.close(descriptor); descriptor = -1 }
                crcs.append(crc.value)
                let bytes = layout.dataDescriptor(index, crc: crc.value)
                index += 1
                phase = .header
                return bytes
            case .trailer:
                phase = .done
                return layout.trailer(crcs: crcs)
            case .done:
                return []
            }
        }
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor); descriptor = -1 }
        phase = .done
    }

    enum ZipStreamError: Error {
        case missing(String)
        case shortRead
    }
}
