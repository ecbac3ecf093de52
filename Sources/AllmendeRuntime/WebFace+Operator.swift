// WebFace+Operator.swift: AllmendeRuntime. Write actions on the web face — fetch a package, add or remove a
// mirror policy, log out — for the operator only: a session cookie from a one-time login URL (`allmende web`),
// a CSRF token in every form, same-origin POSTs. Signing (publish, attest, retract) stays in the CLI.
// Spec: Protocol/http.md "Operator".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeStore
import Foundation

extension WebFace {
    static let sessionCookie = "allmende_session"

    /// The operator's session and CSRF token, if the request carries a live session cookie.
    func operatorSession(_ request: HTTPRequest) -> (session: String, csrf: String)? {
        for header in request.headers where header.name == "cookie" {
            for pair in header.value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, parts[0] == Self.sessionCookie else { continue }
                if let csrf = runtime.webSessions.withLock({ $0.csrf(session: parts[1], now: .now) }) { return (parts[1], csrf) }
            }
        }
        return nil
    }

    /// `/login?token=…`: spends the one-time token, sets the session cookie and goes to the dashboard.
    func logIn(_ request: HTTPRequest) -> HTTPResponse {
        let token = request.parameter("token") ?? ""
        let session = try? runtime.webSessions.withLock { sessions throws(CryptoError) in try sessions.logIn(token: token, now: .now) }
        guard let session = session ?? nil else {
            var page = WebPage(title: "Login")
            page.raw("<h1>This login link cannot be used</h1>")
            page.element("p", "Login links work once and for 10 minutes. Run 'allmende web' on the node for a new one.", class: "notice")
            return page.response(status: 403, nodeName: runtime.options.name)
        }
        return HTTPResponse(status: 303, headers: [
            ("Location", "/node"), ("Cache-Control", "no-store"),
            ("Set-Cookie", "\(Self.sessionCookie)=\(session.session); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(WebSessions.sessionLifetime.inSeconds))"),
        ])
    }

    /// `POST /actions/NAME`: refused (403) without a session, a matching CSRF token and a same-origin request.
    func action(_ name: String, request: HTTPRequest) -> HTTPResponse {
        guard let (session, csrf) = operatorSession(request) else {
            return actionRefused("Only this node's operator can do that: run 'allmende web' on the node and open the URL it prints.")
        }
        let form = request.formFields
        let field = { (name: String) in form.first { $0.name == name }?.value }
        guard let sent = field("csrf"), sent.utf8.count == csrf.utf8.count, zip(sent.utf8, csrf.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            return actionRefused("The form is out of date or did not come from this node's pages; reload the page and try again.")
        }
        // Browsers say where a form came from (Origin; Sec-Fetch-Site): only this node's own pages may post.
        if let origin = request.header("origin"), origin != "http://" + (request.header("host") ?? "") {
            return actionRefused("The request came from another site (\(origin)).")
        }
        if let site = request.header("sec-fetch-site"), site != "same-origin" {
            return actionRefused("The request came from another site (\(site)).")
        }
        switch name {
        case "fetch":
            guard let id = field("package").flatMap({ try? ContentID(parsing: $0) }) else { return badRequestPage("fetch needs a package ID") }
            guard runtime.startDetachedFetch(id) else {
                return badRequestPage("\(NodeRuntime.maximumDetachedFetches) fetches are running already; wait for one to end")
            }
            return Self.redirect("/p/\(id.hex)")
        case "mirror-add":
            let match: MirrorPolicy.Match
            if let publisher = field("publisher").flatMap({ try? NodeID(parsing: $0) }) {
                match = .publisher(publisher)
            } else if let tag = field("tag"), !tag.isEmpty {
                match = .tag(tag.lowercased())
            } else {
                return badRequestPage("mirror-add needs a publisher key or a tag")
            }
            let quota = field("quota").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            return changeMirrors { $0.removeAll { $0.match == match }; $0.append(MirrorPolicy(match: match, quota: quota)) }
        case "mirror-remove":
            guard let number = field("number").flatMap({ Int($0) }) else { return badRequestPage("mirror-remove needs a policy number") }
            return changeMirrors { mirrors in if number >= 1 && number <= mirrors.count { mirrors.remove(at: number - 1) } }
        case "logout":
            runtime.webSessions.withLock { $0.logOut(session: session) }
            var response = Self.redirect("/")
            response.headers.append(("Set-Cookie", "\(Self.sessionCookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"))
            return response
        default:
            return notFound("There is no action '\(name)'.")
        }
    }

    /// Edits the mirror policies in config.json and applies them to the running node.
    private func changeMirrors(_ change: (inout [MirrorPolicy]) -> Void) -> HTTPResponse {
        do {
            var config = try NodeConfig.load(runtime.home)
            change(&config.mirrors)
            try config.save(runtime.home)
            runtime.reconfigure(peers: config.peers, mirrors: config.mirrors, allowList: config.allowList)
            return Self.redirect("/node")
        } catch {
            var page = WebPage(title: "Not saved")
            page.raw("<h1>The mirror policies were not changed</h1>")
            page.element("p", "\(error)", class: "notice")
            return page.response(status: 500, nodeName: runtime.options.name)
        }
    }

    private func actionRefused(_ message: String) -> HTTPResponse {
        var page = WebPage(title: "Not allowed")
        page.raw("<h1>Not allowed</h1>")
        page.element("p", message, class: "notice")
        page.raw("<p id=\"refused\">This node's pages are read-only without the operator's login.</p>")
        return page.response(status: 403, nodeName: runtime.options.name)
    }

    static func redirect(_ location: String) -> HTTPResponse {
        HTTPResponse(status: 303, headers: [("Location", location), ("Cache-Control", "no-store")])
    }

    /// A form that POSTs `action` with the CSRF token (an empty token when not logged in: the server refuses it).
    static func actionForm(_ action: String, csrf: String?, fields: [(String, String)], button: String, id: String) -> String {
        "<form method=\"post\" action=\"/actions/\(action)\" class=\"action\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf ?? ""))\">"
            + fields.map { "<input type=\"hidden\" name=\"\(HTML.escape($0.0))\" value=\"\(HTML.escape($0.1))\">" }.joined()
            + "<button type=\"submit\" id=\"\(id)\">\(HTML.escape(button))</button></form>"
    }
}
