// WebFaceTests.swift: the node's HTTP face over real sockets: gateway (ranges, entity tags, HEAD), pages with
// hostile titles, the API, metrics, pipelining, and what it does with slow, hostile and too many clients.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Web face (real sockets)")
struct WebFaceTests {
    /// A node with its web face on 127.0.0.1 (any port) and short time-outs.
    static func withWebNode(_ label: String, settings: (inout HTTPServerSettings) -> Void = { _ in },
                            _ body: (TestNode, UInt16, TempDirectory) throws -> Void) throws {
        try withTempDirectory(label) { folder in
            let node = try TestNode.start("web", in: folder) { options in
                options.http = SocketAddress(host: "127.0.0.1", port: 0)
                options.httpRequired = true
                options.httpSettings.requestTimeout = .seconds(1)
                options.httpSettings.writeTimeout = .seconds(2)
                settings(&options.httpSettings)
            }
            defer { node.runtime.stop() }
            let port = try #require(node.runtime.httpPort)
            try body(node, port, folder)
        }
    }

    @Test("a blob: whole with its ETag, 304 for If-None-Match, a range, 416 past the end, HEAD without body")
    func blobGateway() throws {
        try Self.withWebNode("web-blob") { node, port, folder in
            let id = try node.publishLargePackage(size: 3 << 20, in: folder)
            let file = try node.runtime.store.manifest(id).files[0]
            let bytes = pseudoRandomBytes(count: 3 << 20, seed: 1)
            let client = try HTTPTestClient(port: port)
            let whole = try #require(client.get("/b/\(file.sha256.hex)"))
            #expect(whole.status == 200)
            #expect(whole.body == bytes)
            #expect(whole.headers["etag"] == "\"\(file.sha256.hex)\"")
            #expect(whole.headers["cache-control"] == "public, max-age=31536000, immutable")
            #expect(client.get("/b/\(file.sha256.hex)", headers: ["If-None-Match": "\"\(file.sha256.hex)\""])?.status == 304)
            let part = try #require(client.get("/b/\(file.sha256.hex)", headers: ["Range": "bytes=1048570-1048579"]))
            #expect(part.status == 206)
            #expect(part.body == Array(bytes[1_048_570...1_048_579]))
            #expect(part.headers["content-range"] == "bytes 1048570-1048579/\(3 << 20)")
            let past = try #require(client.get("/b/\(file.sha256.hex)", headers: ["Range": "bytes=\(3 << 20)-"]))
            #expect(past.status == 416)
            #expect(past.headers["content-range"] == "bytes */\(3 << 20)")
            let head = try #require(client.get("/b/\(file.sha256.hex)", method: "HEAD"))
            #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] == String(3 << 20))
            // Still the same connection, still answering.
            #expect(client.get("/b/" + String(repeating: "0", count: 64))?.status == 404)
            #expect(client.get("/b/xyz")?.status == 400)
        }
    }

    @Test("a package's files by path with their media type; non-images are attachments; SVG cannot run scripts")
    func packageFiles() throws {
        try Self.withWebNode("web-files") { node, port, _ in
            let id = try node.publishExample("timber-wall-block")
            let manifest = try node.runtime.store.manifest(id)
            let client = try HTTPTestClient(port: port)
            for file in manifest.files {
                let path = file.path.description.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? "" }
                let reply = try #require(client.get("/p/\(id.hex)/" + path.joined(separator: "/")))
                #expect(reply.status == 200)
                #expect(SHA256Hasher.hash(reply.body) == file.sha256)
                #expect(reply.headers["content-type"] == file.mediaType)
                let isImage = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "image/avif"].contains(file.mediaType)
                #expect((reply.headers["content-disposition"]?.hasPrefix("attachment") ?? false) == !isImage, "\(file.path)")
                #expect(reply.headers["content-security-policy"]?.contains("sandbox") == true)
                #expect(reply.headers["x-content-type-options"] == "nosniff")
            }
            // The raw gateway names a blob's type as its manifest does.
            let drawing = try #require(manifest.files.first { $0.mediaType == "image/svg+xml" })
            let raw = try #require(client.get("/b/\(drawing.sha256.hex)"))
            #expect(raw.headers["content-type"] == "image/svg+xml" && raw.headers["content-disposition"] == nil)
            #expect(client.get("/p/\(id.hex)/no/such/file")?.status == 404)
            #expect(client.get("/p/\(String(repeating: "a", count: 64))")?.status == 404)
            #expect(client.get("/p/\(id.hex)/%2e%2e/%2e%2e/keys/node.pem")?.status == 400)
            #expect(try HTTPTestClient(port: port).get("/p/zz")?.status == 400)
            #expect(try HTTPTestClient(port: port).get("/p/\(id.hex)?builds=0")?.status == 400)
            #expect(try HTTPTestClient(port: port).get("/p/\(id.hex)?builds=-1")?.status == 400)
            #expect(try HTTPTestClient(port: port).get("/p/\(id.hex)?builds=2")?.status == 200)
            #expect(client.waitForClose())
        }
    }

    @Test("the package ZIP has its announced length and unpacks to files whose SHA-256 match the manifest, plus manifest, BOM and NOTICE")
    func packageZip() throws {
        try Self.withWebNode("web-zip") { node, port, folder in
            let id = try node.publishExample("timber-wall-block")
            let manifest = try node.runtime.store.manifest(id)
            let client = try HTTPTestClient(port: port)
            let reply = try #require(client.get("/p/\(id.hex.prefix(10)).zip"))
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/zip")
            #expect(reply.body.count == Int(reply.headers["content-length"] ?? "") ?? -1)
            #expect(Array(reply.body.suffix(22).prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
            // The connection is still usable after a streamed body.
            #expect(client.get("/style.css")?.status == 200)
            guard ProcessRunner.isAvailable("python3") else { return }
            let path = try folder.write("package.zip", reply.body)
            let script = "import zipfile,sys,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n"
                + "for i in z.infolist(): print(i.filename, hashlib.sha256(z.read(i)).hexdigest())"
            let result = try ProcessRunner.run("python3", ["-c", script, path])
            #expect(result.status == 0, "\(result.standardError)")
            var unpacked: [String: String] = [:]
            for line in result.standardOutput.split(separator: "\n") {
                let parts = line.split(separator: " ")
                unpacked[String(parts[0].split(separator: "/", maxSplits: 1)[1])] = String(parts[1])
            }
            for file in manifest.files { #expect(unpacked[file.path.description] == file.sha256.hex, "\(file.path)") }
            #expect(unpacked["allmende-manifest.json"] == id.hex, "the manifest's SHA-256 is the package ID")
            #expect(unpacked["allmende-bom.csv"] != nil && unpacked["allmende-NOTICE.txt"] != nil)
            #expect(client.get("/p/\(String(repeating: "b", count: 64)).zip")?.status == 404)
        }
    }

    @Test("a title with markup is shown as text on the catalog and package pages; every page has a strict CSP")
    func escapesTitles() throws {
        try Self.withWebNode("web-escape") { node, port, folder in
            let id = try node.publishTitled("<script>alert(1)</script>", in: folder)
            let client = try HTTPTestClient(port: port)
            for path in ["/", "/p/\(id.hex)", "/?q=script"] {
                let page = try #require(client.get(path))
                #expect(page.status == 200)
                #expect(!page.text.contains("<script>alert"), "\(path)")
                #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path)")
                #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
            }
        }
    }

    @Test("an older version's page links the newer one; both pages list the versions; the API gives them as JSON")
    func versions() throws {
        try Self.withWebNode("web-versions") { node, port, folder in
            let old = try node.publishVersion("1.0.0", supersedes: nil, in: folder)
            let new = try node.publishVersion("1.1.0", supersedes: old, in: folder)
            let client = try HTTPTestClient(port: port)
            let oldPage = try #require(client.get("/p/\(old.hex)"))
            #expect(oldPage.text.contains("id=\"newer-version\">A newer version is available: <a href=\"/p/\(new.hex)\">"))
            #expect(oldPage.text.contains("<ul id=\"versions\"><li><a href=\"/p/\(new.hex)\">1.1.0</a>"))
            let newPage = try #require(client.get("/p/\(new.hex)"))
            #expect(!newPage.text.contains("newer-version") && newPage.text.contains("<a href=\"/p/\(old.hex)\">1.0.0</a>"))
            // The lineage tree from the catalog: the old version, the new one below it.
            #expect(newPage.text.contains("<ul id=\"lineage\"><li><a href=\"/p/\(old.hex)\">Cargo bike trailer 1.0.0</a>"))
            #expect(newPage.text.contains("<li class=\"current\">new version: <a href=\"/p/\(new.hex)\">Cargo bike trailer 1.1.0</a>"))
            let api = try JSONParser.parse(try #require(client.get("/api/packages/\(old.hex)")).body)
            #expect(api["versions"]?["latest"]?["package"]?.stringValue == new.hex)
            // The catalog groups the versions under the newest; versions=all lists each.
            let catalog = try #require(client.get("/?q=trailer"))
            #expect(catalog.text.contains("data-package=\"\(new.hex)\"") && !catalog.text.contains("data-package=\"\(old.hex)\""))
            #expect(catalog.text.contains("+1 older version"))
            let every = try #require(client.get("/?q=trailer&versions=all"))
            #expect(every.text.contains("data-package=\"\(new.hex)\"") && every.text.contains("data-package=\"\(old.hex)\""))
            let listed = try JSONParser.parse(try #require(client.get("/api/packages?q=trailer")).body)["packages"]?.arrayValue ?? []
            #expect(listed.count == 1 && listed.first?["olderVersions"]?.numberValue == 1)
        }
    }

    @Test("a package's README is rendered from Markdown; a hostile one stays text and links nowhere dangerous")
    func readme() throws {
        try Self.withWebNode("web-readme") { node, port, folder in
            let wall = try node.publishExample("timber-wall-block")
            let client = try HTTPTestClient(port: port)
            let page = try #require(client.get("/p/\(wall.hex)"))
            #expect(page.text.contains("<div class=\"readme\" id=\"readme\"><h3>WB-M: modular timber wall block (18 mm plywood)</h3>"))
            try folder.write("hostile/allmende.json", text: """
                {"title": "Hostile readme", "version": "1.0.0", "summary": "Test", "category": "other", "license": "CERN-OHL-P-2.0",
                 "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01T00:00:00Z",
                 "description": "**Safe** <script>alert(2)</script>"}
                """)
            try folder.write("hostile/README.md", text: "# Hi\n<img src=x onerror=alert(1)> [go](javascript:alert(1))\n")
            let hostile = try node.runtime.store.publish(folder: folder.file("hostile"), as: LabIdentity(deviceKey: node.key, delegation: nil),
                                                         options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
            let shown = try #require(client.get("/p/\(hostile.hex)")).text
            #expect(shown.contains("<strong>Safe</strong> &lt;script&gt;alert(2)&lt;/script&gt;"))
            #expect(shown.contains("&lt;img src=x onerror=alert(1)&gt; go"))
            #expect(!shown.contains("<img src=x") && !shown.contains("javascript:"))
        }
    }

    @Test("search by word, category and licence through the API; paging with next; errors as JSON")
    func searchAPI() throws {
        try Self.withWebNode("web-api") { node, port, _ in
            let wall = try node.publishExample("timber-wall-block")
            let plate = try node.publishExample("pem-fuel-cell-end-plate")
            let client = try HTTPTestClient(port: port)
            func packages(_ query: String) throws -> [String] {
                let reply = try #require(client.get("/api/packages?" + query))
                #expect(reply.status == 200)
                let value = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
                return (value?["packages"] as? [[String: Any]])?.compactMap { $0["package"] as? String } ?? []
            }
            #expect(try packages("q=wall+blo") == [wall.hex])
            #expect(try packages("category=energy") == [plate.hex])
            #expect(try packages("license=CERN-OHL-S-2.0") == [plate.hex])
            #expect(try Set(packages("")) == [wall.hex, plate.hex])
            let first = try #require(client.get("/api/packages?limit=1"))
            let next = try #require((try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])?["next"] as? String)
            #expect(try packages("limit=1&after=\(next)").count == 1)
            let bad = try #require(client.get("/api/packages?limit=0"))
            #expect(bad.status == 400)
            #expect(bad.text.contains("\"error\""))
            let show = try #require(client.get("/api/packages/\(wall.hex.prefix(8))"))
            #expect(show.status == 200 && show.text.contains(wall.hex))
            let publisher = try node.runtime.store.manifest(wall).publisher
            let lab = try #require(client.get("/api/labs/\(publisher.text)"))
            let labValue = try JSONSerialization.jsonObject(with: Data(lab.body)) as? [String: Any]
            #expect(Set((labValue?["published"] as? [[String: Any]])?.compactMap { $0["package"] as? String } ?? []) == [wall.hex, plate.hex])
            #expect((labValue?["attested"] as? [Any])?.isEmpty == true)
            // This node signs that it built the wall block: its lab page and API list it as built.
            let attest = try SignedStatement.sign(Statement(kind: .attest, package: wall, identity: node.id,
                                                            time: Timestamp(secondsSinceEpoch: 1_790_000_100), note: "built two"),
                                                  with: node.key, delegation: nil)
            _ = try node.runtime.store.addStatement(attest)
            let builder = try #require(client.get("/api/labs/\(node.id.text)"))
            let builderValue = try JSONSerialization.jsonObject(with: Data(builder.body)) as? [String: Any]
            #expect((builderValue?["attested"] as? [[String: Any]])?.compactMap { $0["package"] as? String } == [wall.hex])
            #expect(client.get("/labs/\(node.id.text)")?.text.contains("data-package=\"\(wall.hex)\"") == true)
            #expect(client.get("/api/labs/not-a-key")?.status == 400)
            let bom = try #require(client.get("/api/packages/\(wall.hex)/bom?builds=3"))
            #expect(bom.status == 200 && bom.text.contains("\"builds\":3"))
            for bad in ["x", "0", "99999999999999999999", ""] {
                let refused = try #require(client.get("/api/packages/\(wall.hex)/bom?builds=\(bad)"))
                #expect(refused.status == 400 && refused.text.contains("\"error\""), "builds=\(bad)")
            }
        }
    }

    @Test("pipelined requests are answered in order on one connection; metrics count them by status")
    func pipeliningAndMetrics() throws {
        try Self.withWebNode("web-pipeline") { node, port, _ in
            let id = try node.publishExample("garden-studio-plan")
            let client = try HTTPTestClient(port: port)
            client.send("GET /p/\(id.hex) HTTP/1.1\r\nHost: a\r\n\r\nGET /nothing HTTP/1.1\r\nHost: a\r\n\r\nGET /api/status HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(client.readReply()?.status == 200)
            #expect(client.readReply()?.status == 404)
            let status = try #require(client.readReply())
            #expect(status.headers["content-type"] == "application/json" && status.text.contains(node.id.text))
            let metrics = try #require(client.get("/metrics"))
            #expect(metrics.text.contains("allmende_http_requests_total{status=\"404\"} 1"))
            #expect(metrics.text.contains("allmende_catalog_entries \(node.runtime.store.catalog.count)"))
            #expect(client.get("/node")?.text.contains(node.id.text) == true)
        }
    }

    @Test("hostile and slow clients: 400 and close, 413 read by a client still sending, 408 for a request that never completes, 405 for POST")
    func hostileClients() throws {
        try Self.withWebNode("web-hostile") { _, port, _ in
            let smuggler = try HTTPTestClient(port: port)
            smuggler.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc")
            #expect(smuggler.readReply()?.status == 400)
            #expect(smuggler.waitForClose())
            // A body far over the limit: the client is still sending when the 413 is written; it must still read it
            // (closing at once with unread bytes would reset the connection and lose the answer).
            let uploader = try HTTPTestClient(port: port)
            uploader.send("POST /actions/fetch HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n")
            uploader.send([UInt8](repeating: 0x61, count: 1 << 20))
            #expect(uploader.readReply()?.status == 413)
            #expect(uploader.waitForClose())
            let slow = try HTTPTestClient(port: port)
            slow.send("GET / HTTP/1.1\r\nHost: a\r\n")
            #expect(slow.readReply(timeout: .seconds(5))?.status == 408)
            #expect(slow.waitForClose())
            let poster = try HTTPTestClient(port: port)
            #expect(poster.get("/", method: "POST")?.status == 405)
        }
    }

    @Test("past the connection limit a newcomer gets 503 and is closed")
    func connectionLimit() throws {
        try Self.withWebNode("web-limit", settings: { $0.maximumConnections = 3 }) { _, port, _ in
            let held = try (0..<3).map { _ in try HTTPTestClient(port: port) }
            // Each holds a slot once the server has accepted it.
            for client in held { #expect(client.get("/style.css")?.status == 200) }
            let late = try HTTPTestClient(port: port)
            #expect(late.readReply()?.status == 503)
            #expect(late.waitForClose())
        }
    }

    @Test("one client address cannot take every slot: its third connection gets 503, another address still gets in, a closed one frees its slot")
    func connectionLimitPerClient() throws {
        try Self.withWebNode("web-client-limit", settings: { $0.maximumConnectionsPerClient = 2; $0.clientsWithoutLimit = [] }) { node, port, _ in
            var held = try (0..<2).map { _ in try HTTPTestClient(port: port, from: "127.0.0.2") }
            for client in held { #expect(client.get("/style.css")?.status == 200) }
            let third = try HTTPTestClient(port: port, from: "127.0.0.2")
            #expect(third.readReply()?.status == 503)
            #expect(third.waitForClose())
            let other = try HTTPTestClient(port: port, from: "127.0.0.3")
            #expect(other.get("/style.css")?.status == 200)
            // Once one of the first two is closed (and the server has seen it), the address has a slot again.
            held.removeFirst()   // its deinit closes it
            #expect(CatalogGossipTests.waitUntil(.seconds(10)) { node.runtime.httpConnectionCount == 2 })
            let again = try HTTPTestClient(port: port, from: "127.0.0.2")
            #expect(again.get("/style.css")?.status == 200)
        }
    }

    @Test("a client that never reads a large answer is closed after the write time-out")
    func neverReads() throws {
        try Self.withWebNode("web-never-reads") { node, port, folder in
            let id = try node.publishLargePackage(size: 16 << 20, in: folder)
            let file = try node.runtime.store.manifest(id).files[0]
            let client = try HTTPTestClient(port: port)
            var size: Int32 = 4096
            setsockopt(client.socket.descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            client.send("GET /b/\(file.sha256.hex) HTTP/1.1\r\nHost: a\r\n\r\n")
            // The server gives up on it: only the connection asking for metrics stays open.
            let observer = try HTTPTestClient(port: port)
            let deadline = ContinuousClock.now + .seconds(15)
            var open = -1
            while ContinuousClock.now < deadline {
                open = observer.get("/metrics")?.text.split(separator: "\n").first { $0.hasPrefix("allmende_http_connections ") }
                    .flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
                if open == 1 { break }
                usleep(100_000)
            }
            #expect(open == 1)
        }
    }
}

extension TestNode {
    /// Publishes a one-file package titled `title`.
    func publishVersion(_ version: String, supersedes previous: ContentID?, in folder: TempDirectory) throws -> ContentID {
        try folder.write("v\(version)/allmende.json", text: """
            {"title": "Cargo bike trailer", "version": "\(version)", "summary": "Test", "category": "mobility",
             "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
             "created": "2026-01-01T00:00:00Z"\(previous.map { ", \"supersedes\": \"\($0.hex)\"" } ?? "")}
            """)
        try folder.write("v\(version)/frame.dxf", Array("frame \(version)".utf8))
        return try runtime.store.publish(folder: folder.file("v\(version)"), as: LabIdentity(deviceKey: key, delegation: nil),
                                         options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
    }

    func publishTitled(_ title: String, in folder: TempDirectory) throws -> ContentID {
        let escaped = title.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        try folder.write("titled/allmende.json", text: """
            {"title": "\(escaped)", "version": "1.0.0", "summary": "Test", "category": "tools-machines",
             "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
             "created": "2026-01-01T00:00:00Z"}
            """)
        try folder.write("titled/part.stl", Array("solid x\nendsolid x\n".utf8))
        return try runtime.store.publish(folder: folder.file("titled"), as: LabIdentity(deviceKey: key, delegation: nil),
                                         options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
    }
}
