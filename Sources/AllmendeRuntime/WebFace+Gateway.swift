// WebFace+Gateway.swift: AllmendeRuntime. Downloads: `/b/SHA256` a stored blob, `/p/ID/PATH` a package's file by
// its path — from the blob file with sendfile, with ranges and entity tags. Spec: Protocol/http.md "Gateway".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeStore

extension WebFace {
    /// `/b/SHA256`: the blob's bytes. Its ID is its hash, so it never changes: cached for a year.
    func blob(_ text: String, request: HTTPRequest) -> HTTPResponse {
        guard text.utf8.count == 64, let id = try? ContentID(parsing: text) else {
            return Self.plain(400, "'\(text)' is not a SHA-256 (64 hex digits)")
        }
        return fileAnswer(id, mediaType: mediaType(of: id) ?? "application/octet-stream", name: nil, request: request)
    }

    /// How long a blob not named by any manifest read so far waits before the manifests are read again.
    static let blobTypesRefresh: Duration = .seconds(30)

    /// The media type a stored manifest gives blob `id` (the first one read, if several name it differently).
    /// Read from every stored manifest at most every 30 s, and only when a blob is asked for that is not known yet.
    func mediaType(of id: ContentID) -> String? {
        let now = ContinuousClock.now
        let (known, isStale) = blobTypes.withLock { ($0.types[id], $0.at.map { now - $0 >= Self.blobTypesRefresh } ?? true) }
        if known != nil || !isStale { return known }
        var types: [ContentID: String] = [:]
        let stored = (try? runtime.store.storedListings()).map { $0.listed.map(\.package) + $0.unlisted } ?? []
        for package in stored {
            guard let manifest = try? runtime.store.manifest(package) else { continue }
            for file in manifest.files where types[file.sha256] == nil { types[file.sha256] = file.mediaType }
        }
        blobTypes.withLock { $0 = (now, types) }
        return types[id]
    }

    /// `/p/ID/PATH`: the file at PATH in package ID, with the media type its manifest gives.
    func packageFile(_ idText: String, path: String, request: HTTPRequest) -> HTTPResponse {
        guard let id = packageID(idText) else { return unknownPackage(idText) }
        guard let manifest = try? runtime.store.manifest(id) else {
            return notFound("Package \(id.hex) is known from the catalog but not stored on this node; fetch it first.", fetch: id)
        }
        guard let file = manifest.files.first(where: { $0.path.description == path }) else {
            return notFound("Package '\(manifest.info.title)' has no file '\(path)'.")
        }
        guard runtime.store.blobs.has(file.sha256) else { return notFound("The file '\(path)' is not stored on this node yet.", fetch: id) }
        let name = String(path.split(separator: "/").last ?? Substring(path))
        return fileAnswer(file.sha256, mediaType: file.mediaType, name: name, request: request)
    }

    /// `/p/ID.zip`: every file of a stored package, its manifest, bill of materials and NOTICE, as one ZIP.
    func packageZip(_ idText: String) -> HTTPResponse {
        guard let id = packageID(idText) else { return unknownPackage(idText) }
        guard let manifest = try? runtime.store.manifest(id) else {
            return notFound("Package \(id.hex) is known from the catalog but not stored on this node; fetch it first.", fetch: id)
        }
        guard let stream = PackageZipStream(id: id, manifest: manifest, store: runtime.store) else {
            return notFound("Not every file of '\(manifest.info.title)' is stored on this node yet.", fetch: id)
        }
        let name = PackageZipStream.folderName(manifest.info.title, version: manifest.info.version, id: id) + ".zip"
        return HTTPResponse(status: 200, headers: [
            ("Content-Type", "application/zip"), ("Content-Disposition", "attachment; filename=\"\(name)\""),
            ("ETag", "\"zip-\(id.hex)\""), ("Cache-Control", "public, max-age=86400"), ("Content-Security-Policy", Self.filePolicy),
        ], body: .stream(length: stream.layout.totalSize, stream))
    }

    /// Media types shown in the browser; every other file is a download.
    static let inlineTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "image/avif"]

    private func fileAnswer(_ id: ContentID, mediaType: String, name: String?, request: HTTPRequest) -> HTTPResponse {
        let etag = "\"\(id.hex)\""
        var headers: [(name: String, value: String)] = [
            ("Content-Type", mediaType), ("ETag", etag), ("Cache-Control", "public, max-age=31536000, immutable"),
            ("Accept-Ranges", "bytes"), ("Content-Security-Policy", Self.filePolicy),
        ]
        if !Self.inlineTypes.contains(mediaType.lowercased()) {
            let safe = (name ?? id.hex).unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? String($0) : "_" }.joined()
            headers.append(("Content-Disposition", "attachment; filename=\"\(safe)\"; filename*=UTF-8''\(HTTPTarget.encode(name ?? id.hex))"))
        }
        if entityTag(etag, matchesIfNoneMatch: request.header("if-none-match")) {
            return HTTPResponse(status: 304, headers: headers.filter { $0.name != "Content-Type" })
        }
        guard let size = try? runtime.store.blobs.size(of: id) else { return notFound("No blob \(id.hex) is stored on this node.") }
        let path = runtime.store.blobs.path(of: id)
        // A Range with If-Range naming another entity is answered whole.
        let rangeHeader = request.header("if-range").map { $0 == etag ? request.header("range") : nil } ?? request.header("range")
        switch ByteRangeAnswer(header: rangeHeader, size: size) {
        case .whole:
            return HTTPResponse(status: 200, headers: headers, body: .file(path: path, offset: 0, length: size))
        case let .partial(range):
            headers.append(("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"))
            return HTTPResponse(status: 206, headers: headers, body: .file(path: path, offset: range.lowerBound, length: range.count))
        case .unsatisfiable:
            return HTTPResponse(status: 416, headers: [("Content-Range", "bytes */\(size)")])
        }
    }

    func unknownPackage(_ text: String) -> HTTPResponse {
        if (try? ContentIDPrefix(parsing: text)) == nil { return Self.plain(400, "'\(text)' is not a package ID (hex digits)") }
        return notFound("No package \(text) is known to this node (neither stored nor in its catalog). "
                        + "If its ID is right, 'allmende fetch \(text)' asks the network for it.")
    }
}
