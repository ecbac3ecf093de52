// WebFace+Node.swift: AllmendeRuntime. The operator's dashboard `/node`: identity, addresses, peers with state and
// traffic, store usage, mirror policies, running fetches with progress, recent warnings. Spec: Protocol/http.md.

import AllmendeHTTP
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

extension WebFace {
    func nodePage(_ request: HTTPRequest) -> HTTPResponse {
        let status = runtime.statusReport()
        let csrf = operatorSession(request)?.csrf
        var page = WebPage(title: "Node")
        page.raw("<h1>This node</h1>")
        if csrf != nil {
            page.raw("<p id=\"operator\">Logged in as this node's operator. "
                     + Self.actionForm("logout", csrf: csrf, fields: [], button: "Log out", id: "logout") + "</p>")
        } else {
            page.raw("<p class=\"meta\" id=\"read-only\">Read-only. To fetch packages and change mirror policies here, run "
                     + "<code>allmende web</code> on the node and open the URL it prints.</p>")
        }
        page.raw("<table class=\"facts\" id=\"node-facts\"><tbody>")
        page.raw("<tr><th>Node ID</th><td class=\"key\" id=\"node-id\">\(runtime.nodeID.text)</td></tr>")
        page.raw("<tr><th>Name</th><td>\(HTML.escape(runtime.options.name))</td></tr>")
        page.raw("<tr><th>Listening</th><td>\(HTML.escape(runtime.options.listen.host)):\(runtime.listenPort)</td></tr>")
        if let http = server.withLock({ $0 }) { page.raw("<tr><th>Web</th><td>\(HTML.escape(http.host)):\(http.port)</td></tr>") }
        let blobs = Int(status["blobs"]?.numberValue ?? 0), bytes = Int(status["storeBytes"]?.numberValue ?? 0)
        page.raw("<tr><th>Store</th><td id=\"store-usage\">\(Int(status["packages"]?.numberValue ?? 0)) packages, \(blobs) blobs, \(ByteCount.format(bytes))</td></tr>")
        page.raw("<tr><th>Catalog</th><td>\(runtime.store.catalog.count) entries; \(runtime.knownNodes.count) nodes in the address book</td></tr>")
        if let fault = runtime.storageFault {
            page.raw("<tr><th>Storage</th><td class=\"banner\">Not storing new data: \(HTML.escape(fault)) (free space or fix the disk)</td></tr>")
        }
        if runtime.seemsUnreachable() {
            page.raw("<tr><th>Reach</th><td>No peer has connected to this node for 10 minutes: check the firewall, port forwarding or "
                     + "\"advertise\" in config.json.</td></tr>")
        }
        page.raw("</tbody></table>")

        let peers = runtime.connectionSummaries()
        page.raw("<h2>Peers (\(peers.count))</h2><table id=\"peers\"><thead><tr><th>Node</th><th>Name</th><th>Address</th><th>Direction</th><th>State</th>"
                 + "<th class=\"num\">In</th><th class=\"num\">Out</th></tr></thead><tbody>")
        for peer in peers {
            page.raw("<tr><td class=\"key\">\(String(peer.peer.text.prefix(16)))…</td><td>\(HTML.escape(peer.name))</td><td>\(HTML.escape(peer.address))</td>"
                     + "<td>\(peer.outbound ? "out" : "in")</td><td>\(peer.ready ? "ready" : "handshake")</td>"
                     + "<td class=\"num\">\(ByteCount.format(peer.bytesIn))</td><td class=\"num\">\(ByteCount.format(peer.bytesOut))</td></tr>")
        }
        for configured in runtime.configuredPeerStates() where !configured.isConnected {
            page.raw("<tr><td class=\"key\">\(configured.entry.node.map { String($0.text.prefix(16)) + "…" } ?? "")</td><td></td>"
                     + "<td>\(HTML.escape(configured.entry.address))</td><td>out</td><td>not connected"
                     + (configured.lastError.map { ": " + HTML.escape($0) } ?? "")
                     + (configured.retryIn.map { ", retrying in \(Int($0.inSeconds.rounded(.up))) s" } ?? "") + "</td><td></td><td></td></tr>")
        }
        page.raw("</tbody></table>")

        let mirrors = runtime.state.withLock { $0.mirrors }
        page.raw("<h2>Mirror policies (\(mirrors.count))</h2>")
        if mirrors.isEmpty { page.raw("<p class=\"meta\">None: this node stores what is published or fetched here.</p>") } else {
            page.raw("<ul id=\"mirrors\">")
            for (index, (policy, usage)) in zip(mirrors, runtime.store.mirrorUsage(mirrors)).enumerated() {
                let quota = policy.quota.map { "quota \(ByteCount.format($0)), " } ?? "no quota, "
                page.raw("<li>\(HTML.escape("\(policy)")) <span class=\"meta\">(\(quota)\(ByteCount.format(usage.bytes)) in \(usage.packages) package(s))</span>"
                         + (csrf == nil ? "" : " " + Self.actionForm("mirror-remove", csrf: csrf, fields: [("number", String(index + 1))],
                                                                      button: "Remove", id: "mirror-remove-\(index + 1)")) + "</li>")
            }
            page.raw("</ul>")
        }

        let fetches = runtime.runningFetches
        page.raw("<h2>Fetches running (\(fetches.count))</h2><ul id=\"fetches\">")
        for fetch in fetches {
            page.raw("<li data-fetch=\"\(fetch.package.hex)\">\(WebPage.packageLink(fetch.package, title: fetch.package.shortHex())) "
                     + "<progress max=\"\(max(1, fetch.progress.bytesTotal))\" value=\"\(fetch.progress.bytesDone)\"></progress> "
                     + "\(ByteCount.format(fetch.progress.bytesDone)) / \(ByteCount.format(fetch.progress.bytesTotal)) from \(fetch.progress.sources) peer(s)</li>")
        }
        page.raw("</ul>")

        let warnings = runtime.events.all.suffix(200).filter(\.isWarning).suffix(20).reversed()
        page.raw("<h2>Recent warnings</h2>")
        if warnings.isEmpty { page.raw("<p class=\"meta\" id=\"no-warnings\">None.</p>") } else {
            page.raw("<ul id=\"warnings\">")
            for event in warnings { page.element("li", "\(event)") }
            page.raw("</ul>")
        }
        return page.response(nodeName: runtime.options.name)
    }
}

extension RuntimeEvent {
    /// Events an operator should look at (refusals, misbehaving peers, failures), not routine ones.
    var isWarning: Bool {
        switch self {
        case .reconciliationEnded, .mirrored, .evicted: false
        default: true
        }
    }
}
