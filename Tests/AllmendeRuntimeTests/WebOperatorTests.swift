// WebOperatorTests.swift: the operator's write actions on the web face over real sockets: refused without the
// login, refused with a stale CSRF token or from another origin; with both, a fetch from a peer and mirror policies.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Web face: the operator (real sockets)")
struct WebOperatorTests {
    /// Logs in through a one-time URL; returns the session cookie.
    static func logIn(_ node: TestNode, port: UInt16) throws -> String {
        let url = try #require(try node.runtime.webLoginURL())
        let start = try #require(url.range(of: "/login")).lowerBound
        let path = String(url[start...])
        let client = try HTTPTestClient(port: port)
        let reply = try #require(client.get(path))
        #expect(reply.status == 303 && reply.headers["location"] == "/node")
        let cookie = reply.headers["set-cookie"] ?? ""
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        // The URL works once.
        let again = try HTTPTestClient(port: port)
        #expect(again.get(path)?.status == 403)
        return String(cookie.split(separator: ";")[0])
    }

    /// The CSRF token in a page's forms.
    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static func post(_ client: HTTPTestClient, _ path: String, form: String, cookie: String?, origin: String? = nil,
                     contentType: String = "application/x-www-form-urlencoded") -> HTTPReply? {
        client.send("POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Type: \(contentType)\r\nContent-Length: \(form.utf8.count)\r\n"
                    + (cookie.map { "Cookie: \($0)\r\n" } ?? "") + (origin.map { "Origin: \($0)\r\n" } ?? "") + "\r\n" + form)
        return client.readReply()
    }

    @Test("the fetch button: refused without the login or with a wrong CSRF token; with both it fetches from the peer and the page shows the package stored")
    func fetchButton() throws {
        try withTempDirectory("web-operator") { folder in
            let holder = try TestNode.start("holder", in: folder)
            defer { holder.runtime.stop() }
            let maker = try TestNode.start("maker", in: folder, peers: [PeerEntry(address: holder.address, node: holder.id)]) { options in
                options.http = SocketAddress(host: "127.0.0.1", port: 0)
                options.httpRequired = true
            }
            defer { maker.runtime.stop() }
            let port = try #require(maker.runtime.httpPort)
            #expect(maker.waitForConnections(to: [holder.id]))
            let key = try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem")
            let published = try holder.runtime.store.publish(folder: Repository.root + "/Examples/packages/garden-studio-plan",
                                                             as: LabIdentity(deviceKey: key, delegation: nil),
                                                             options: PublishOptions(now: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))))
            #expect(holder.runtime.announceLocal(published.statementID))
            #expect(CatalogGossipTests.waitUntil { maker.runtime.store.catalogListing(published.packageID) != nil })
            let id = published.packageID.hex
            let client = try HTTPTestClient(port: port)
            let anonymous = try #require(client.get("/p/\(id)"))
            #expect(anonymous.text.contains("id=\"fetch-button\""))
            #expect(Self.post(client, "/actions/fetch", form: "csrf=&package=\(id)", cookie: nil)?.status == 403)
            #expect(Self.post(client, "/actions/fetch", form: "package=\(id)", cookie: "allmende_session=" + String(repeating: "0", count: 64))?.status == 403)
            #expect(!maker.runtime.store.isStored(published.packageID))

            let cookie = try Self.logIn(maker, port: port)
            let page = try #require(client.get("/p/\(id)", headers: ["Cookie": cookie]))
            let token = try #require(Self.csrf(in: page.text))
            #expect(!token.isEmpty)
            #expect(Self.post(client, "/actions/fetch", form: "csrf=\(String(repeating: "1", count: token.count))&package=\(id)", cookie: cookie)?.status == 403)
            #expect(Self.post(client, "/actions/fetch", form: "csrf=\(token)&package=\(id)", cookie: cookie, origin: "http://evil.example")?.status == 403)
            // The same fields in a body that is not a form (a cross-site "simple" request can send text/plain).
            for type in ["text/plain", "application/json", "multipart/form-data; boundary=x"] {
                #expect(Self.post(client, "/actions/fetch", form: "csrf=\(token)&package=\(id)", cookie: cookie, contentType: type)?.status == 403)
            }
            let accepted = try #require(Self.post(client, "/actions/fetch", form: "csrf=\(token)&package=\(id)", cookie: cookie))
            #expect(accepted.status == 303 && accepted.headers["location"] == "/p/\(id)")
            #expect(CatalogGossipTests.waitUntil { maker.runtime.store.isStored(published.packageID) && maker.runtime.runningFetches.isEmpty })
            let stored = try #require(client.get("/p/\(id)"))
            #expect(stored.text.contains("id=\"files\"") && !stored.text.contains("id=\"not-stored\""))
        }
    }

    @Test("mirror policies from the pages: added for a lab, listed on the dashboard, removed; written to config.json")
    func mirrorPolicies() throws {
        try WebFaceTests.withWebNode("web-mirrors") { node, port, _ in
            let cookie = try Self.logIn(node, port: port)
            let client = try HTTPTestClient(port: port)
            let lab = try NodeID(publicKey: Ed25519PrivateKey().publicKey)
            let labPage = try #require(client.get("/labs/\(lab.text)", headers: ["Cookie": cookie]))
            #expect(labPage.text.contains("id=\"mirror-lab\""))
            #expect(client.get("/labs/\(lab.text)")?.text.contains("id=\"mirror-lab\"") == false, "no button without the login")
            let token = try #require(Self.csrf(in: labPage.text))
            #expect(Self.post(client, "/actions/mirror-add", form: "csrf=\(token)&publisher=\(lab.text)", cookie: cookie)?.status == 303)
            #expect(try NodeConfig.load(node.home).mirrors == [MirrorPolicy(match: .publisher(lab), quota: nil)])
            let dashboard = try #require(client.get("/node", headers: ["Cookie": cookie]))
            #expect(dashboard.text.contains("id=\"mirror-remove-1\"") && dashboard.text.contains("0 B in 0 package(s)"))
            #expect(Self.post(client, "/actions/mirror-remove", form: "csrf=\(token)&number=1", cookie: cookie)?.status == 303)
            #expect(try NodeConfig.load(node.home).mirrors.isEmpty)
            // Logged out, the same session can do nothing.
            #expect(Self.post(client, "/actions/logout", form: "csrf=\(token)", cookie: cookie)?.status == 303)
            #expect(Self.post(client, "/actions/mirror-add", form: "csrf=\(token)&tag=timber", cookie: cookie)?.status == 403)
            #expect(client.get("/actions/fetch")?.status == 405)
        }
    }
}
