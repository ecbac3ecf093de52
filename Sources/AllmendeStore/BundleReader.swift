// BundleReader.swift: AllmendeStore. Reads a bundle front to back, checking every record against its digest and
// the end record against all of them; blobs are streamed (into the store, or only hashed), small records kept.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem

/// Everything a bundle holds, once every byte of it checked.
struct BundleContents {
    var header: BundleHeader
    /// Blob ID → (size, chunk index ID), for every blob record.
    var blobs: [ContentID: (size: Int, chunkIndex: ContentID)] = [:]
    /// Blobs this read added to the store (removed again if the import fails).
    var added: [ContentID] = []
    /// Manifest bytes of the header's packages.
    var manifests: [ContentID: [UInt8]] = [:]
    var statements: [[UInt8]] = []
    var revocations: [[UInt8]] = []
    var bytes = 0
}

struct BundleReader {
    let store: PackageStore
    /// Store blobs (import) or only hash them (verify).
    let storing: Bool
    let progress: (@Sendable (Int, Int) -> Void)?

    func read(_ path: String) throws(BundleError) -> BundleContents {
        let file: FileDescriptor
        let size: Int
        do {
            file = try FileDescriptor.openForReading(path)
            size = Int(try file.status().st_size)
        } catch {
            throw .store(.system(error))
        }
        defer { file.close() }
        var contents = BundleContents(header: BundleHeader(created: Timestamp(secondsSinceEpoch: 0), packages: [], selection: ""))
        do {
            try read(file, size: size, into: &contents)
        } catch {
            for id in contents.added { _ = try? store.blobs.remove(id) }
            throw error
        }
        contents.bytes = size
        return contents
    }

    /// Reads `count` bytes at `offset`; a count past the end of the file is refused before any memory is taken for it.
    private func take(_ file: FileDescriptor, _ count: Int, at offset: inout Int, size: Int, record: Int) throws(BundleError) -> [UInt8] {
        guard count <= size - offset else { throw .truncated(offset: size, record: record) }
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        var failure: SystemError?
        bytes.withUnsafeMutableBytes { buffer in
            do throws(SystemError) { got = try file.readFully(into: buffer) } catch { failure = error }
        }
        if let failure { throw .store(.system(failure)) }
        guard got == count else { throw .truncated(offset: offset + got, record: record) }
        offset += count
        return bytes
    }

    private func read(_ file: FileDescriptor, size: Int, into contents: inout BundleContents) throws(BundleError) {
        var offset = 0
        let head = try take(file, min(16, size), at: &offset, size: size, record: 0)
        guard !head.isEmpty, head.prefix(8).elementsEqual(BundleFormat.magic.prefix(min(8, head.count))) else { throw .notABundle }
        guard head.count == 16 else { throw .truncated(offset: size, record: 0) }
        let version = head[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard version == BundleFormat.version else { throw .malformed(offset: 8, reason: "format version \(version); this node reads version \(BundleFormat.version)") }
        let headerLength = Int(head[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard headerLength <= BundleFormat.maximumHeader else { throw .malformed(offset: 12, reason: "a header of \(headerLength) bytes is too large") }
        let headerBytes = try take(file, headerLength, at: &offset, size: size, record: 0)
        let headerDigest = try take(file, 32, at: &offset, size: size, record: 0)
        guard SHA256Hasher.hash(headerBytes).bytes == headerDigest else { throw .digestMismatch(offset: 16, record: 0, what: "the header") }
        contents.header = try BundleHeader.parse(headerBytes)
        let wanted = Set(contents.header.packages)
        let table = SHA256Hasher()
        table.update(headerDigest)
        var records = 0
        var smallBytes = 0
        while true {
            let start = offset
            let recordHead = try take(file, 9, at: &offset, size: size, record: records + 1)
            guard let kind = BundleRecordKind(rawValue: recordHead[0]) else {
                throw .malformed(offset: start, reason: "record \(records + 1) has unknown kind \(recordHead[0])")
            }
            let length64 = recordHead[1...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard length64 <= UInt64(size), start + 9 + Int(length64) <= size else { throw .truncated(offset: size, record: records + 1) }
            let length = Int(length64)
            if kind == .end {
                guard length == 40 else { throw .malformed(offset: start, reason: "the end record has \(length) bytes, not 40") }
                let data = try take(file, 40, at: &offset, size: size, record: records + 1)
                let count = data[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard count == UInt64(records), Array(data[8...]) == table.finalize().bytes else {
                    throw .digestMismatch(offset: start, record: records + 1, what: "the end record (the list of records)")
                }
                guard offset == size else { throw .malformed(offset: offset, reason: "\(size - offset) bytes follow the end record") }
                break
            }
            records += 1
            guard length >= 32 else { throw .malformed(offset: start, reason: "record \(records) is shorter than its digest") }
            let digestBytes = try take(file, 32, at: &offset, size: size, record: records)
            guard let digest = try? ContentID(validatingDigest: digestBytes) else { throw .malformed(offset: start + 9, reason: "bad digest") }
            var entry = recordHead
            entry += digestBytes
            table.update(entry)
            let dataLength = length - 32
            switch kind {
            case .blob:
                if wanted.contains(digest) && dataLength <= DesignManifest.maximumSize {
                    // A manifest: kept in memory (it is read again to check the package), stored if importing.
                    let data = try take(file, dataLength, at: &offset, size: size, record: records)
                    guard SHA256Hasher.hash(data) == digest else { throw .digestMismatch(offset: start, record: records, what: "manifest \(digest.hex)") }
                    contents.manifests[digest] = data
                    if storing && !store.blobs.has(digest) {
                        do { contents.added.append(try store.blobs.put(bytes: data).id) } catch { throw .store(error) }
                    }
                    contents.blobs[digest] = (dataLength, data.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: store.blobs.chunkSize) }.id)
                } else {
                    let index: ChunkIndex
                    let base = offset
                    let report = progress.map { report in { @Sendable (done: Int) in report(base + done, size) } }
                    do {
                        if storing && !store.blobs.has(digest) {
                            let stored = try store.blobs.put(from: file, progress: report, limit: dataLength)
                            if !stored.wasAlreadyStored { contents.added.append(stored.id) }
                            index = stored.chunkIndex
                        } else {
                            index = try store.blobs.hashOnly(from: file, limit: dataLength, progress: report)
                        }
                    } catch {
                        throw .store(error)
                    }
                    offset += index.blobSize
                    guard index.blobSize == dataLength else { throw .truncated(offset: offset, record: records) }
                    guard index.blobID == digest else { throw .digestMismatch(offset: start, record: records, what: "blob \(digest.hex)") }
                    contents.blobs[digest] = (dataLength, index.id)
                }
            case .statement, .revocation:
                guard dataLength <= BundleFormat.maximumSmallRecord else {
                    throw .malformed(offset: start, reason: "record \(records): a \(kind == .statement ? "statement" : "revocation") of \(dataLength) bytes is too large")
                }
                smallBytes += dataLength
                guard smallBytes <= BundleFormat.maximumSmallBytes else { throw .invalid("more than 512 MiB of statements; split the bundle") }
                let data = try take(file, dataLength, at: &offset, size: size, record: records)
                guard SHA256Hasher.hash(data) == digest else {
                    throw .digestMismatch(offset: start, record: records, what: kind == .statement ? "a statement" : "a revocation")
                }
                if kind == .statement { contents.statements.append(data) } else { contents.revocations.append(data) }
            case .end:
                break
            }
            progress?(offset, size)
        }
    }
}
