// WebFace.swift: AllmendeRuntime. What the node's HTTP face answers: routes, methods and the security headers
// every answer carries. Pages: WebFace+Pages; files: WebFace+Gateway; JSON and metrics: WebFace+API.
// Spec: Protocol/http.md.

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeStore
import CanonicalJSON
import Foundation
import Synchronization

/// The node's web face: catalog and package pages, the download gateway, the dashboard, `/api/` and `/metrics`.
public final class WebFace: HTTPResponder, Sendable {
    let runtime: NodeRuntime
    /// The server answering through this face (for its counters in `/metrics`).
    let server = Mutex<HTTPServer?>(nil)
    /// Media types of stored blobs as the stored manifests name them, and when that was read (WebFace+Gateway).
    let blobTypes = Mutex<(at: ContinuousClock.Instant?, types: [ContentID: String])>((nil, [:]))

    /// Pages: scripts, styles and images only from this node; no frames, no plugins, forms only to this node.
    static let pagePolicy = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"
    /// Files from packages (SVG included): nothing runs, nothing loads.
    static let filePolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox"

    public init(runtime: NodeRuntime) { self.runtime = runtime }

    public func respond(to request: HTTPRequest, from client: String) -> HTTPResponse {
        var response: HTTPResponse
        let isAction = request.segments.count == 2 && request.segments[0] == "actions"
        if isAction && request.method == "POST" {
            response = action(request.segments[1], request: request)
        } else if isAction || (request.method != "GET" && request.method != "HEAD") {
            response = Self.plain(405, isAction ? "actions are POSTed from this node's pages" : "only GET and HEAD are answered here")
            response.headers.append(("Allow", isAction ? "POST" : "GET, HEAD"))
        } else {
            response = route(request)
        }
        response.headers.append(("X-Content-Type-Options", "nosniff"))
        response.headers.append(("Referrer-Policy", "same-origin"))
        if response.header("Content-Security-Policy") == nil { response.headers.append(("Content-Security-Policy", Self.pagePolicy)) }
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        let segments = request.segments
        switch segments.first {
        case nil: return catalogPage(request)
        case "style.css": return Self.asset(WebAssets.stylesheet, type: "text/css; charset=utf-8")
        case "app.js": return Self.asset(WebAssets.script, type: "text/javascript; charset=utf-8")
        case "node" where segments.count == 1: return nodePage(request)
        case "login" where segments.count == 1: return logIn(request)
        case "metrics" where segments.count == 1: return metrics()
        case "b" where segments.count == 2: return blob(segments[1], request: request)
        case "p" where segments.count == 2 && segments[1].hasSuffix(".zip"): return packageZip(String(segments[1].dropLast(4)))
        case "p" where segments.count == 2: return packagePage(segments[1], request: request)
        case "p" where segments.count > 2: return packageFile(segments[1], path: segments[2...].joined(separator: "/"), request: request)
        case "labs" where segments.count == 1: return labsPage(request)
        case "labs" where segments.count == 2: return labPage(segments[1], request: request)
        case "api": return api(Array(segments.dropFirst()), request: request)
        default: return notFound("There is no page at \(request.path).")
        }
    }

    // MARK: Helpers shared by the routes

    static func plain(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", text: "\(status) \(HTTPResponse.reason(status)): \(text)\n")
    }

    static func asset(_ text: String, type: String) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: type, text: text, headers: [("Cache-Control", "public, max-age=3600")])
    }

    static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", text: ((try? CanonicalEncoder.string(value)) ?? "null") + "\n",
                     headers: [("Cache-Control", "no-store")])
    }

    /// A package ID from a URL: a full ID, or a unique prefix of a package stored or in the catalog.
    func packageID(_ text: String) -> ContentID? {
        guard let prefix = try? ContentIDPrefix(parsing: text) else { return nil }
        return try? runtime.store.resolvePackage(prefix)
    }
}
