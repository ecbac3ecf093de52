// WebFace+API.swift: AllmendeRuntime. `/api/` (the same JSON as the CLI's --json) and `/metrics` (Prometheus
// text exposition format 0.0.4). Spec: Protocol/http.md "API" and "Metrics".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeStore
import AllmendeWire
import CanonicalJSON

extension WebFace {
    func api(_ path: [String], request: HTTPRequest) -> HTTPResponse {
        switch path.first {
        case "status" where path.count == 1:
            return Self.json(runtime.statusReport())
        case "packages" where path.count == 1:
            do {
                let search = try CatalogSearch(request)
                let result = try? search.run(runtime.store)
                guard let result else { return apiError(404, "the package given as 'after' is not in the catalog") }
                let rows = search.grouped(result.listings, in: runtime.store)
                var page: [String: JSONValue] = ["packages": .array(rows.map {
                    PackageJSON.listing($0.listing, holders: runtime.holderCount(of: $0.listing.package), olderVersions: $0.olderVersions)
                })]
                if result.more, let last = result.listings.last { page["next"] = .string(last.package.hex) }
                return Self.json(.object(page))
            } catch {
                return apiError(400, error.message)
            }
        case "packages" where path.count == 3 && path[2] == "makers":
            guard let id = packageID(path[1]), let listing = runtime.store.catalogListing(id) else {
                return apiError(404, "no package \(path[1]) is in this node's catalog")
            }
            return makersAPI(listing, request: request)
        case "packages" where path.count == 2 || (path.count == 3 && path[2] == "bom"):
            guard let id = packageID(path[1]) else { return apiError(404, "no package \(path[1]) is known to this node") }
            guard let manifest = try? runtime.store.manifest(id) else {
                guard path.count == 2, let listing = runtime.store.catalogListing(id) else {
                    return apiError(404, "package \(id.hex) is not stored on this node")
                }
                return Self.json(PackageJSON.unfetched(listing, holders: runtime.holderCount(of: id), versions: runtime.store.versions(of: id)))
            }
            if path.count == 2 {
                return Self.json(PackageJSON.package(id, manifest: manifest, statements: runtime.store.statements(about: id), holders: runtime.holderCount(of: id),
                                                     versions: runtime.store.versions(of: id)))
            }
            let builds = request.parameter("builds").map { Int($0) } ?? 1
            guard let builds, (1...10_000).contains(builds) else { return apiError(400, "builds: a number from 1 to 10000") }
            do {
                let rollup = try BOMRollup(manifest: manifest, packageID: id, builds: builds) { try? self.runtime.store.manifest($0) }
                return Self.json(PackageJSON.bom(rollup, id: id))
            } catch {
                return apiError(422, "\(error)")
            }
        case "labs" where path.count == 2:
            guard let lab = try? NodeID(parsing: path[1]) else { return apiError(400, "'\(path[1])' is not a lab or node key") }
            let published = (try? runtime.store.searchCatalog(CatalogQuery(publisher: lab.text), limit: 500)) ?? []
            return Self.json(["lab": .string(lab.text), "published": .array(published.map { PackageJSON.listing($0) }),
                              "attested": .array(runtime.store.catalogPackages(attestedBy: lab).map { PackageJSON.listing($0) })])
        default:
            return apiError(404, "no API at \(request.path); see Protocol/http.md")
        }
    }

    /// Errors as JSON: `{"error": {"status": N, "message": "…"}}`, as the CLI's `--json` reports them.
    func apiError(_ status: Int, _ message: String) -> HTTPResponse {
        Self.json(["error": ["status": .integer(status), "message": .string(message)]], status: status)
    }

    /// `/metrics`: counters and gauges for Prometheus.
    func metrics() -> HTTPResponse {
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            text += "# HELP allmende_\(name) \(help)\n# TYPE allmende_\(name) \(type)\n"
            for sample in samples { text += "allmende_\(name)\(sample.labels.isEmpty ? "" : "{\(sample.labels)}") \(sample.value)\n" }
        }
        let connections = runtime.connectionSummaries()
        let counters = runtime.events.counters
        let ready = connections.filter(\.ready), handshaking = connections.filter { !$0.ready }
        metric("peers", "gauge", "Peer connections by state and direction.", [
            ("state=\"ready\",direction=\"in\"", ready.filter { !$0.outbound }.count), ("state=\"ready\",direction=\"out\"", ready.filter(\.outbound).count),
            ("state=\"handshake\",direction=\"in\"", handshaking.filter { !$0.outbound }.count),
            ("state=\"handshake\",direction=\"out\"", handshaking.filter(\.outbound).count),
        ])
        var bytesIn = counters.closedBytesIn, bytesOut = counters.closedBytesOut
        for connection in connections {
            bytesIn[connection.outbound ? "out" : "in", default: 0] += connection.bytesIn
            bytesOut[connection.outbound ? "out" : "in", default: 0] += connection.bytesOut
        }
        metric("peer_received_bytes_total", "counter", "Bytes received from peers, by connection direction.",
               ["in", "out"].map { ("direction=\"\($0)\"", bytesIn[$0] ?? 0) })
        metric("peer_sent_bytes_total", "counter", "Bytes sent to peers, by connection direction.",
               ["in", "out"].map { ("direction=\"\($0)\"", bytesOut[$0] ?? 0) })
        metric("catalog_entries", "gauge", "Entries in the catalog log.", [("", runtime.store.catalog.count)])
        let usage = runtime.storeUsage()
        metric("store_bytes", "gauge", "Bytes of blobs in the store.", [("", usage.bytes)])
        metric("store_blobs", "gauge", "Blobs in the store.", [("", usage.blobs)])
        metric("fetches_started_total", "counter", "Package fetches started.", [("", counters.fetchesStarted)])
        metric("fetches_finished_total", "counter", "Package fetches that completed.", [("", counters.fetchesFinished)])
        metric("fetches_failed_total", "counter", "Package fetches that failed or were cancelled.", [("", counters.fetchesFailed)])
        metric("fetches_running", "gauge", "Package fetches running now.", [("", runtime.runningFetches.count)])
        metric("chunks_served_total", "counter", "Chunks sent to peers.", [("", counters.chunksServed)])
        metric("goodbyes_sent_total", "counter", "Goodbyes this node sent, by code.",
               GoodbyeCode.allCases.map { "\($0)" }.map { ("code=\"\($0)\"", counters.goodbyesSent[$0] ?? 0) })
        metric("strikes_total", "counter", "Bad catalog entries refused (a strike against the sender each).", [("", counters.strikes)])
        metric("entries_revoked_total", "counter", "Catalog entries refused because a revoked device key signed them.", [("", counters.entriesRevoked)])
        metric("gossip_entries_total", "counter", "Catalog entries from peers appended (gossip and reconciliation).", [("", counters.entriesFromPeers)])
        metric("reconciliations_total", "counter", "Reconciliation sessions ended.", [("", counters.reconciliations)])
        if let server = server.withLock({ $0 }) {
            let http = server.counters
            metric("http_connections", "gauge", "HTTP connections open now.", [("", server.connectionCount)])
            metric("http_requests_total", "counter", "HTTP requests answered, by status.",
                   http.requestsByStatus.sorted { $0.key < $1.key }.map { ("status=\"\($0.key)\"", $0.value) })
            metric("http_sent_bytes_total", "counter", "HTTP bytes sent (heads and bodies).", [("", http.bytesSent)])
            metric("http_connections_refused_total", "counter", "HTTP connections refused at the connection limit.", [("", http.connectionsRefused)])
        }
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", text: text, headers: [("Cache-Control", "no-store")])
    }
}
