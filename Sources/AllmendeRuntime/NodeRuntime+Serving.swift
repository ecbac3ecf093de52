// NodeRuntime+Serving.swift: AllmendeRuntime. Answering peers' requests from the local store.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeWire

extension NodeRuntime {
    /// Answers a request; anything that is not a request closes the connection as a protocol error.
    func serve(_ message: Message, to connection: PeerConnection) {
        switch message {
        case let .getPackage(request, package):
            let (status, statement) = packageAnswer(package)
            connection.send(.package(request: request, status: status, publishStatement: statement))
        case let .getIndex(request, blob):
            guard store.blobs.has(blob), let index = cachedIndex(blob), case var encoded = index.encoded(),
                  encoded.count <= WireLimits.maximumBulkFrameLength - 6 else {
                connection.send(.index(request: request, status: .notFound, encodedIndex: []))
                return
            }
            if options.servesForgedIndexesForTesting, index.chunkCount >= 2 { encoded[ChunkIndex.headerSize] ^= 0xFF }
            connection.send(.index(request: request, status: .ok, encodedIndex: encoded))
        case let .getChunk(request, blob, chunk):
            let answersBusy = busyAnswersLeft.withLock { left -> Bool in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if answersBusy {
                connection.send(.chunk(request: request, status: .busy, data: .empty))
                return
            }
            guard let index = cachedIndex(blob), Int(chunk) < index.chunkCount, let data = storedChunk(blob, Int(chunk), index) else {
                connection.send(.chunk(request: request, status: .notFound, data: .empty))
                return
            }
            if connection.send(.chunk(request: request, status: .ok, data: data)) {
                events.count { $0.chunksServed += 1 }
            } else {
                connection.send(.chunk(request: request, status: .busy, data: .empty))
            }
        default:
            connection.close(.protocolError, reason: "unexpected \(message.name)")
        }
    }

    /// A stored chunk's bytes: large chunks mapped from the blob file, so they go from the page cache to TLS without
    /// a copy in between; small ones (and deliberately corrupted ones, for tests) read into memory.
    func storedChunk(_ blob: ContentID, _ chunk: Int, _ index: ChunkIndex) -> ChunkData? {
        let count = index.byteRange(ofChunk: chunk).count
        let corrupt = options.servesCorruptChunksForTesting
        if count >= Self.smallestMappedChunk && !corrupt, let mapping = try? store.blobs.mapChunk(blob, chunk: chunk, index: index) {
            return ChunkData(borrowing: mapping.bytes) { _ in mapping.unmap() }
        }
        return try? ChunkData(count: count, initializingWith: { (buffer) throws(StoreError) in
            try store.blobs.readChunk(blob, chunk: chunk, index: index, into: buffer)
            if corrupt, !buffer.isEmpty { buffer[buffer.count / 2] ^= 0xFF }
        })
    }

    /// Chunks at least this big are served from a file mapping.
    static let smallestMappedChunk = 64 * 1024

    /// The chunk index of a stored blob, from a small cache.
    func cachedIndex(_ blob: ContentID) -> ChunkIndex? {
        if let index = servedIndexes.withLock({ $0[blob] }) { return index }
        guard let index = try? store.blobs.chunkIndex(of: blob) else { return nil }
        servedIndexes.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }
            cache[blob] = index
        }
        return index
    }

    /// The answer to `get-package`: ok with the publish statement, refused (retracted), or not found. Ok and refused
    /// answers are cached (reading and verifying the statements costs disk reads and signature checks) until an
    /// entry about the package, a revocation, or a removal changes them (`forgetPackageAnswers`).
    func packageAnswer(_ package: ContentID) -> (ResponseStatus, [UInt8]) {
        if let cached = state.withLock({ $0.packageAnswers[package] }) { return cached }
        let answer: (ResponseStatus, [UInt8])
        if let statement = publishStatement(for: package) {
            answer = (.ok, statement)
        } else if store.retraction(of: package) != nil {
            answer = (.refused, [])
        } else {
            return (.notFound, [])
        }
        state.withLock { state in
            if state.packageAnswers.count >= Self.cachedPackageAnswers { state.packageAnswers.removeAll() }
            state.packageAnswers[package] = answer
        }
        return answer
    }

    /// Most `get-package` answers cached.
    static let cachedPackageAnswers = 1024

    /// Drops cached `get-package` answers: for one package, or all (nil).
    func forgetPackageAnswers(_ package: ContentID?) {
        state.withLock { state in
            if let package { state.packageAnswers[package] = nil } else { state.packageAnswers.removeAll() }
        }
    }

    /// The publisher's signed publish statement, if this node has the package complete and does not withhold it.
    func publishStatement(for package: ContentID) -> [UInt8]? {
        guard let manifest = try? store.manifest(package), options.servesRetracted || store.retraction(of: package) == nil,
              manifest.files.allSatisfy({ store.blobs.has($0.sha256) }),
              let publish = store.statements(about: package).first(where: { $0.statement.kind == .publish && $0.identity == manifest.publisher }),
              let signed = try? store.signedStatement(publish.id) else { return nil }
        return try? signed.canonicalBytes()
    }
}
