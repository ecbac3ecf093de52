// FuzzTarget.swift: allmende-fuzz. What each harness feeds its decoder, and the properties it checks.

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeNode
import AllmendePlaces
import AllmendeStore
import AllmendeSystem
import AllmendeTOML
import AllmendeWire
import CanonicalJSON
import Foundation

/// One family of decoders of untrusted bytes.
enum FuzzTarget: String, CaseIterable {
    /// Frame decoder fed at arbitrary split points (first byte picks the step), every message payload decoder.
    case frames
    /// Canonical JSON: parse → encode → parse → encode is stable.
    case json
    /// Design manifests and publish drafts: parse and validate; a parsed manifest re-encodes to an equal one.
    case manifest
    /// SPDX license expressions: a parsed expression's text parses to the same expression.
    case spdx
    /// Signed statements, node announcements, delegations and revocations: parse and verify.
    case statements
    /// Chunk indexes: a decoded index encodes to the same bytes.
    case chunkIndex = "chunk-index"
    /// Catalog log bytes: records found and damage skipped (payloads are statements: see `statements`).
    case catalog
    /// Reconciliation messages: a decoded message encodes to the same bytes.
    case reconcile
    /// Catalog index files (a flipped bit on disk, or any bytes): every part reads without a crash.
    case index
    /// HTTP requests fed at arbitrary split points: what parses names nothing outside its route, and the buffer stays bounded.
    case http
    /// Markdown from descriptions and READMEs: the HTML it becomes has no tag or link target that could run script.
    case markdown
    /// Holdings records from peers (and the saved holder table): a parsed record re-encodes to the same bytes, and
    /// applying it (whole or as a change) to a table keeps the table's counts consistent.
    case holdings
    /// Open Know-How manifests: TOML and the YAML subset (the first byte picks which); what parses imports into a
    /// draft whose text is valid JSON.
    case okh
    /// Offline bundles (a file from a USB stick): verified against an empty store; whatever is accepted has every
    /// package it lists, and a damaged one stores nothing.
    case bundle
    /// Offline bundles read and checked without storing (`bundle verify`): the framing, digests, header and
    /// packages at the rate a store that is never written allows; what verifies must also import.
    case bundleVerify = "bundle-verify"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .frames: Self.frames(bytes)
        case .json: Self.json(bytes)
        case .manifest: Self.manifest(bytes)
        case .spdx: Self.spdx(bytes)
        case .statements: Self.statements(bytes)
        case .chunkIndex: Self.chunkIndex(bytes)
        case .catalog: Self.catalog(bytes)
        case .reconcile: Self.reconcile(bytes)
        case .index: _ = CatalogIndexProbe.readEverything(bytes)
        case .http: Self.http(bytes)
        case .markdown: Self.markdown(bytes)
        case .holdings: Self.holdings(bytes)
        case .okh: Self.okh(bytes)
        case .bundle: Self.bundle(bytes)
        case .bundleVerify: Self.bundleVerify(bytes)
        }
    }

    private static func markdown(_ bytes: [UInt8]) {
        let html = Markdown.html(String(decoding: bytes, as: UTF8.self))
        // Only the renderer's own tags; every other '<' arrives escaped.
        let ours = ["p>", "/p>", "h3>", "/h3>", "h4>", "/h4>", "h5>", "/h5>", "h6>", "/h6>", "ul>", "/ul>", "ol>", "/ol>", "li>", "/li>",
                    "pre>", "/pre>", "code>", "/code>", "blockquote>", "/blockquote>", "hr>", "strong>", "/strong>", "em>", "/em>", "a href=\"", "/a>"]
        // Compared as Unicode scalars, as a browser's tokenizer reads them (a '>' followed by a combining mark is
        // one Swift Character but still ends the tag).
        let scalars = Array(html.unicodeScalars)
        for piece in scalars.split(separator: "<", omittingEmptySubsequences: false).dropFirst() {
            func starts(_ prefix: String) -> Bool { piece.starts(with: prefix.unicodeScalars) }
            require(ours.contains(where: starts), "unexpected tag <\(String(String.UnicodeScalarView(piece.prefix(20))))")
            if starts("a href=\"") {
                // What a browser reads: entities decoded, then a scheme is what comes before the first ':' ahead of any '/', '?', '#'.
                let target = String(String.UnicodeScalarView(piece.dropFirst(8).prefix { $0 != "\"" })).lowercased()
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                    .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
                let head = target.unicodeScalars.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
                if let colon = head.firstIndex(of: ":") {
                    let scheme = String(String.UnicodeScalarView(head[..<colon].filter { !$0.properties.isWhitespace }))
                    require(["http", "https", "mailto"].contains(scheme), "link with scheme '\(scheme)'")
                }
                require(!target.hasPrefix("//"), "protocol-relative link \(target)")
            }
        }
    }

    private static func http(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let step = Int(first) + 1
        let stream = bytes.dropFirst()
        var parser = HTTPRequestParser()
        var offset = stream.startIndex
        while offset < stream.endIndex {
            let end = min(offset + step, stream.endIndex)
            parser.append(stream[offset..<end])
            offset = end
            do {
                while let request = try parser.nextRequest() {
                    for segment in request.segments {
                        require(!segment.isEmpty && segment != "." && segment != ".." && !segment.contains("/") && !segment.contains("\0"),
                                "segment '\(segment)' can name something outside its route")
                    }
                    require(request.body.count <= HTTPLimits.body, "a body of \(request.body.count) bytes passed the limit")
                    // A header value echoed into an answer cannot split it.
                    let value = request.header("user-agent") ?? request.target
                    let head = HTTPResponse(status: 200, headers: [("X-Echo", value)]).encodedHead(keepAlive: true)
                    require(head.split(separator: 0x0A).count == 4, "a header value split the answer's head")
                    // A range answer stays inside the body.
                    if case let .partial(range) = ByteRangeAnswer(header: request.header("range"), size: 1000) {
                        require(range.lowerBound >= 0 && range.upperBound <= 1000 && !range.isEmpty, "range \(range) outside 0..<1000")
                    }
                }
            } catch {
                require((400...505).contains(error.status), "status \(error.status) for \(error)")
                return
            }
            // Bytes not yet parsed are at most one request's worth plus what one step added.
            require(parser.bufferedCount <= HTTPLimits.requestLine + HTTPLimits.headerSection + HTTPLimits.body + 2 * 256 + step,
                    "\(parser.bufferedCount) bytes buffered")
        }
    }

    private static func frames(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let step = Int(first) + 1
        let stream = bytes.dropFirst()
        var decoder = FrameDecoder()
        var offset = stream.startIndex
        while offset < stream.endIndex {
            let end = min(offset + step, stream.endIndex)
            // As the runtime hands over a read: one copy from the read buffer.
            bytes.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
            offset = end
            do {
                while let message = try decoder.nextMessage() {
                    // What we send, a peer decodes to the same message.
                    var again = FrameDecoder()
                    again.append(MessageCodec.frame(message))
                    let decoded = try? again.nextMessage()
                    require(decoded == message, "re-encoded \(message) decodes to \(String(describing: decoded))")
                }
            } catch {
                return
            }
        }
    }

    private static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        guard let first = try? CanonicalEncoder.encode(value) else { return }
        let reparsed = try? JSONParser.parse(first)
        require(reparsed != nil, "canonical output does not parse")
        let second = reparsed.flatMap { try? CanonicalEncoder.encode($0) }
        require(second == first, "parse → encode → parse → encode is not stable")
    }

    private static func manifest(_ bytes: [UInt8]) {
        _ = try? PackageDraft(parsing: bytes)
        guard let manifest = try? DesignManifest(parsing: bytes) else { return }
        require(manifest.totalSize <= DesignManifest.maximumTotalSize, "total size past the limit")
        _ = PackageSummary(manifest: manifest)
        guard let canonical = try? manifest.canonicalBytes() else { return }
        require((try? DesignManifest(parsing: canonical)) == manifest, "canonical bytes parse to another manifest")
    }

    private static func spdx(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), let expression = try? SPDXExpression(parsing: text) else { return }
        _ = expression.openHardwareProblem
        let again = try? SPDXExpression(parsing: expression.description)
        require(again?.description == expression.description, "'\(expression.description)' does not parse to itself")
    }

    private static func statements(_ bytes: [UInt8]) {
        if let statement = try? SignedStatement(parsing: bytes) {
            _ = try? statement.verify()
            _ = try? statement.statementID()
        }
        // Any catalog entry (statements, revocations, lab profiles): a parsed one is its own canonical form.
        if let entry = try? CatalogEntry(parsing: bytes) {
            require((try? entry.canonicalBytes()) == bytes, "a parsed catalog entry is not its own canonical form")
            if case let .profile(signed) = entry, (try? signed.verify()) != nil, let id = try? signed.entryID() {
                var set = LabProfileSet()
                set.consider(signed, id: id)
                require(set.latest[signed.profile.identity] != nil, "a verified profile is not its lab's latest in a set of one")
            }
        }
        _ = (try? NodeAnnouncement(parsing: bytes))?.isValid
        if let value = try? JSONParser.parse(bytes) {
            _ = (try? Delegation.parse(value))?.isValid
            _ = (try? Revocation.parse(value))?.isValid
        }
    }

    private static func chunkIndex(_ bytes: [UInt8]) {
        guard let index = try? ChunkIndex(decoding: bytes) else { return }
        require(index.encoded() == bytes, "a decoded chunk index encodes to other bytes")
        _ = index.chunkCount
        if index.chunkCount > 0 { _ = index.byteRange(ofChunk: index.chunkCount - 1) }
    }

    private static func catalog(_ bytes: [UInt8]) {
        let records = CatalogLog.records(in: bytes)
        require(records.damagedBytes + records.payloads.reduce(0) { $0 + $1.count + 8 } <= bytes.count, "records overlap")
    }

    private static func okh(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        if selector & 2 != 0 { return okw(body, isYAML: selector & 1 == 1) }
        let table: TOMLTable
        do { table = selector & 1 == 0 ? try TOML.parse(body) : try OKHv1.losh(fromYAML: body) } catch { return }
        // The same bytes parse to the same table.
        if selector & 1 == 0, (try? TOML.parse(body)) != table { fatalError("TOML parse is not deterministic") }
        guard let draft = try? OKHImport.draft(table, manifestName: "okh.toml", folderName: "fuzz", files: ["okh.toml", "a.csv"], read: { _ in
            "Item,Quantity,Unit\nx,1,pcs\n"
        }) else { return }
        guard (try? JSONParser.parse(Array(draft.text.utf8))) != nil else { fatalError("the imported draft is not JSON: \(draft.text.prefix(200))") }
    }

    /// An Open Know-Where record (JSON or YAML) to a profile draft; a profile it gives exports to JSON and YAML that
    /// import again.
    private static func okw(_ body: [UInt8], isYAML: Bool) {
        guard let record = try? OKWFacility.parse(body, isYAML: isYAML), let imported = try? OKWFacility.profile(from: record),
              let profile = try? LabProfile.fromDraft(imported.draft, identity: fuzzIdentity, time: Timestamp(secondsSinceEpoch: 1_800_000_000)) else { return }
        let exported = OKWFacility.export(profile)
        for (text, yaml) in [((try? CanonicalEncoder.indented(exported)) ?? "", false), (OKWFacility.yaml(exported), true)] {
            guard let again = try? OKWFacility.parse(Array(text.utf8), isYAML: yaml) else { fatalError("an exported OKW record does not parse:\n\(text.prefix(400))") }
            require((try? OKWFacility.profile(from: again)) != nil, "an exported OKW record does not import")
        }
    }

    private static let fuzzIdentity = NodeID(publicKey: try! Ed25519PrivateKey(rawRepresentation: Array(repeating: 7, count: 32)).publicKey)

    /// A store in a folder of its own for this process, and the file the input is written to.
    nonisolated(unsafe) private static var bundleStore: (PackageStore, String)?

    /// Imports `bytes` as a bundle file; true if it was imported.
    @discardableResult
    private static func bundle(_ bytes: [UInt8]) -> Bool {
        if bundleStore == nil {
            // In memory where there is a tmpfs: the store's fsyncs cost nothing there, on a disk they set the pace.
            let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
            let folder = "\(base)/allmende-fuzz-bundle-\(getpid())"
            guard let store = try? PackageStore(home: NodeHome(path: folder + "/home")) else { return false }
            bundleStore = (store, folder + "/input.amb")
        }
        guard let (store, path) = bundleStore, (try? FileSystem.writeAtomically(bytes, to: path)) != nil else { return false }
        guard let report = try? store.importBundle(at: path).0 else {
            require(((try? store.blobs.list()) ?? []).isEmpty, "a refused bundle left blobs in the store")
            return false
        }
        for package in report.packages { require(store.isStoredComplete(package), "an imported bundle lacks package \(package.hex)") }
        // Start clean for the next input.
        for id in (try? store.blobs.list()) ?? [] { _ = try? store.blobs.remove(id) }
        _ = try? FileSystem.removeTree(store.home.path)
        bundleStore = nil
        return true
    }

    /// The scratch folders of the bundle harnesses (removed when the process exits: they may be in memory).
    static func scratchFolders() -> [String] {
        ["/dev/shm", "/tmp"].flatMap { base in ["bundle", "bundle-verify"].map { "\(base)/allmende-fuzz-\($0)-\(getpid())" } }
    }

    /// A store that is only read (verify writes nothing), and the file the input is written to.
    nonisolated(unsafe) private static var verifyStore: (PackageStore, String)?

    private static func bundleVerify(_ bytes: [UInt8]) {
        if verifyStore == nil {
            let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
            let folder = "\(base)/allmende-fuzz-bundle-verify-\(getpid())"
            guard let store = try? PackageStore(home: NodeHome(path: folder + "/home")) else { return }
            verifyStore = (store, folder + "/input.amb")
        }
        guard let (store, path) = verifyStore, (try? FileSystem.writeAtomically(bytes, to: path)) != nil else { return }
        guard (try? store.verifyBundle(at: path)) != nil else { return }
        // Verified: importing it (into the other harness's throw-away store) must work and complete every package.
        require(bundle(bytes), "a bundle that verifies cannot be imported")
    }

    private static func holdings(_ bytes: [UInt8]) {
        if let record = try? HoldingsRecord(parsing: bytes) {
            require((try? record.canonicalBytes()) == bytes || (try? HoldingsRecord(parsing: record.canonicalBytes())) == record,
                    "a parsed holdings record does not survive its canonical bytes")
            _ = record.isSignatureValid
            let state = record.state
            let update = HolderUpdate(node: state.node, addresses: state.addresses, seq: state.seq, time: state.time.secondsSinceEpoch,
                                      expires: state.expires.secondsSinceEpoch, count: state.count, digest: state.digest,
                                      signature: state.signature.rawRepresentation, base: record.base, added: record.added, removed: record.removed)
            var table = HolderTable()
            _ = table.apply(update, now: state.time.secondsSinceEpoch)
            require(table.pairs == table.states(now: state.time.secondsSinceEpoch).reduce(0) { $0 + $1.count }, "pair count drifted")
        }
        if let states = try? HolderTableCodec.decode(bytes) {
            require((try? HolderTableCodec.decode(HolderTableCodec.encode(states))) == states, "a decoded holder table re-encodes to another")
        }
    }

    private static func reconcile(_ bytes: [UInt8]) {
        guard let ranges = try? ReconcileCodec.decode(bytes) else { return }
        require(ReconcileCodec.encode(ranges) == bytes, "a decoded reconciliation message encodes to other bytes")
    }
}
