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
            if let statement = publishStatement(for: package) {
                connection.send(.package(request: request, status: .ok, publishStatement: statement))
            } else {
                let status: ResponseStatus = store.retraction(of: package) != nil ? .refused : .notFound
                connection.send(.package(request: request, status: status, publishStatement: []))
            }
        case let .getIndex(request, blob):
            guard store.blobs.has(blob), let index = cachedIndex(blob), case var encoded = index.encoded(),
                  encoded.count <= WireLimits.maximumBulkFrameLength - 6 else {
                connection.send(.index(request: request, status: .notFound, encodedIndex: []))
                return
            }
            if options.servesForgedIndexesForTesting, index.chunkCount >= 2 { encoded[ChunkIndex.headerSize] ^= 0xFF }
            connection.send(.index(request: request, status: .ok, encodedIndex: encoded))
        case let .getChunk(request, blob, chunk):
            let corrupt = options.servesCorruptChunksForTesting
            guard let index = cachedIndex(blob), Int(chunk) < index.chunkCount,
                  let data = try? ChunkData(count: index.byteRange(ofChunk: Int(chunk)).count, initializingWith: { (buffer) throws(StoreError) in
                      try store.blobs.readChunk(blob, chunk: Int(chunk), index: index, into: buffer)
                      if corrupt, !buffer.isEmpty { buffer[buffer.count / 2] ^= 0xFF }
                  }) else {
                connection.send(.chunk(request: request, status: .notFound, data: .empty))
                return
            }
            uploadLimiter?.acquire(data.count)
            if !connection.send(.chunk(request: request, status: .ok, data: data)) {
                connection.send(.chunk(request: request, status: .busy, data: .empty))
            }
        default:
            connection.close(.protocolError, reason: "unexpected \(message.name)")
        }
    }

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

    /// The publisher's signed publish statement, if this node has the package complete and does not withhold it.
    func publishStatement(for package: ContentID) -> [UInt8]? {
        guard let manifest = try? store.manifest(package), options.servesRetracted || store.retraction(of: package) == nil,
              manifest.files.allSatisfy({ store.blobs.has($0.sha256) }),
              let publish = store.statements(about: package).first(where: { $0.statement.kind == .publish && $0.identity == manifest.publisher }),
              let signed = try? store.signedStatement(publish.id) else { return nil }
        return try? signed.canonicalBytes()
    }
}
