// WebFace+Package.swift: AllmendeRuntime. A package's page `/p/ID`: title, licence, people, drawings, files, the
// bill of materials for N builds, lineage, attestations, retraction. Spec: Protocol/http.md "Pages".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeStore
import AllmendeSystem

extension WebFace {
    func packagePage(_ text: String, request: HTTPRequest) -> HTTPResponse {
        guard let id = packageID(text) else { return unknownPackage(text) }
        guard let manifest = try? runtime.store.manifest(id) else {
            guard let listing = runtime.store.catalogListing(id) else { return unknownPackage(text) }
            return catalogOnlyPage(listing, request: request)
        }
        let builds: Int
        if let text = request.parameter("builds") {
            guard let value = Int(text), (1...10_000).contains(value) else { return badRequestPage("builds: a number from 1 to 10000") }
            builds = value
        } else {
            builds = 1
        }
        let info = manifest.info
        let statements = runtime.store.statements(about: id)
        var page = WebPage(title: info.title)
        let versions = runtime.store.versions(of: id)
        page.raw(newerBanner(versions))
        for retraction in statements where retraction.statement.kind == .retract {
            let byPublisher = retraction.identity == manifest.publisher
            page.raw("<div class=\"banner\" id=\"retracted\">" + (byPublisher ? "Retracted by its publisher" : "A retraction by another lab (advice only)")
                     + " on \(HTML.escape(retraction.statement.time.date)): \(HTML.escape(retraction.statement.reason ?? "no reason given"))</div>")
        }
        page.raw("<h1 id=\"title\">\(HTML.escape(info.title)) <span class=\"meta\">\(HTML.escape(info.version))</span></h1>")
        page.element("p", info.summary, class: "summary")
        page.raw(licenseBlock(info.license))
        page.raw("<table class=\"facts\"><tbody>")
        page.raw("<tr><th>Package</th><td class=\"key\">\(id.hex)</td></tr>")
        page.raw("<tr><th>Category</th><td>\(HTML.escape(info.category.rawValue))"
                 + (info.tags.isEmpty ? "" : " · " + info.tags.map(HTML.escape).joined(separator: ", ")) + "</td></tr>")
        page.raw("<tr><th>Licensors</th><td>\(info.licensors.map { HTML.escape($0.name) }.joined(separator: "; "))</td></tr>")
        if !info.authors.isEmpty {
            page.raw("<tr><th>Authors</th><td>" + info.authors.map { author in
                HTML.escape(author.name) + (author.role.map { " (\(HTML.escape($0)))" } ?? "")
            }.joined(separator: "; ") + "</td></tr>")
        }
        page.raw("<tr><th>Publisher</th><td>\(WebPage.labLink(manifest.publisher)) · \(HTML.escape(manifest.created.description))</td></tr>")
        if let safety = info.healthSafety { page.raw("<tr><th>Safety</th><td>\(HTML.escape(safety))</td></tr>") }
        page.raw("<tr><th>Held by</th><td id=\"holders\">\(runtime.holderCount(of: id)) node(s) known to hold it complete</td></tr>")
        page.raw("</tbody></table>")
        page.raw("<p><a id=\"download-zip\" href=\"/p/\(id.hex).zip\">Download everything (ZIP)</a></p>")
        if !info.description.isEmpty {
            page.raw("<h2>Description</h2><div class=\"description\" id=\"description\">" + Markdown.html(info.description) + "</div>")
        }
        page.raw(readme(manifest))
        page.raw(drawings(id, manifest))
        page.raw(fileTable(id, manifest))
        page.raw(bomSection(id, manifest, builds: builds))
        page.raw(lineage(id, info))
        page.raw(versionList(versions, current: id, version: info.version))
        page.raw(attestations(statements))
        page.raw(makersSection(runtime.store.catalogListing(id), request: request))
        return page.response(nodeName: runtime.options.name)
    }

    /// The package's README (Markdown, stored, at most `Markdown.maximumInput` bytes), rendered safely.
    private func readme(_ manifest: DesignManifest) -> String {
        guard let file = manifest.files.first(where: { $0.role == .readme && ($0.mediaType == "text/markdown" || $0.path.description.lowercased().hasSuffix(".md")) }),
              file.size <= Markdown.maximumInput, let bytes = try? runtime.store.blobs.read(file.sha256, limit: Markdown.maximumInput),
              let text = String(validating: bytes, as: UTF8.self) else { return "" }
        return "<h2>\(HTML.escape(file.path.description))</h2><div class=\"readme\" id=\"readme\">" + Markdown.html(text) + "</div>"
    }

    private func licenseBlock(_ license: SPDXExpression) -> String {
        let names = license.licenseIDs.sorted().map { licenseID in
            SPDXLicenseList.licenses.first { $0.id.lowercased() == licenseID.lowercased() }.map { "\(HTML.escape($0.name))" } ?? HTML.escape(licenseID)
        }
        let mark = license.openHardwareProblem.map { "<span class=\"badge closed\" id=\"open-mark\" title=\"\(HTML.escape($0))\">not open hardware</span>" }
            ?? "<span class=\"badge open\" id=\"open-mark\">open hardware</span>"
        return "<p id=\"license\">License <strong>\(HTML.escape(license.description))</strong> (\(names.joined(separator: "; "))) \(mark)</p>"
    }

    private func drawings(_ id: ContentID, _ manifest: DesignManifest) -> String {
        let shown = manifest.files.filter { ($0.role == .drawing || $0.role == .photo) && Self.inlineTypes.contains($0.mediaType.lowercased()) }
        guard !shown.isEmpty else { return "" }
        var html = "<h2>Drawings and photos</h2><div class=\"drawings\" id=\"drawings\">"
        for file in shown {
            let url = fileURL(id, file)
            html += runtime.store.blobs.has(file.sha256)
                ? "<figure><img src=\"\(url)\" alt=\"\(HTML.escape(file.path.description))\" loading=\"lazy\"><figcaption>\(HTML.escape(file.path.description))</figcaption></figure>"
                : "<figure><figcaption>\(HTML.escape(file.path.description)) (not stored here yet)</figcaption></figure>"
        }
        return html + "</div>"
    }

    private func fileURL(_ id: ContentID, _ file: FileEntry) -> String {
        "/p/\(id.hex)/" + file.path.description.split(separator: "/").map { HTTPTarget.encode(String($0)) }.joined(separator: "/")
    }

    private func fileTable(_ id: ContentID, _ manifest: DesignManifest) -> String {
        var html = "<h2>Files (\(manifest.files.count), \(ByteCount.format(manifest.totalSize)))</h2><table id=\"files\"><thead><tr><th>Path</th><th>Role</th>"
            + "<th class=\"num\">Size</th><th>SHA-256</th></tr></thead><tbody>"
        for file in manifest.files {
            let name = HTML.escape(file.path.description)
            let link = runtime.store.blobs.has(file.sha256) ? "<a href=\"\(fileURL(id, file))\">\(name)</a>" : "\(name) <span class=\"meta\">(not stored here)</span>"
            html += "<tr><td>\(link)</td><td>\(file.role.rawValue)</td><td class=\"num\">\(ByteCount.format(file.size))</td>"
                + "<td class=\"key\" title=\"\(file.sha256.hex)\">\(file.sha256.shortHex())</td></tr>"
        }
        return html + "</tbody></table>"
    }

    private func bomSection(_ id: ContentID, _ manifest: DesignManifest, builds: Int) -> String {
        guard !manifest.info.bom.isEmpty else { return "" }
        var html = "<h2>Bill of materials</h2><form class=\"search\" method=\"get\" action=\"/p/\(id.hex)\"><label>Builds "
            + "<input type=\"number\" name=\"builds\" min=\"1\" max=\"10000\" value=\"\(builds)\" id=\"builds\"></label><button type=\"submit\">Recalculate</button></form>"
        let rollup: BOMRollup
        do {
            rollup = try BOMRollup(manifest: manifest, packageID: id, builds: builds, expand: false) { _ in nil }
        } catch {
            return html + "<p class=\"notice\">\(HTML.escape("\(error)"))</p>"
        }
        html += "<table id=\"bom\"><thead><tr><th class=\"num\">Quantity</th><th>Unit</th><th>Item</th><th>Material</th><th class=\"num\">Cost</th></tr></thead><tbody>"
        for entry in rollup.lines {
            let item = entry.line.package.map { sub in WebPage.packageLink(sub, title: entry.line.item) + " <span class=\"meta\">(sub-assembly)</span>" }
                ?? HTML.escape(entry.line.item)
            let cost = entry.cost.map { "\($0.rounded(toDigits: 2)) \(HTML.escape(entry.line.unitCost?.currency ?? ""))" } ?? ""
            html += "<tr><td class=\"num\">\(entry.total)</td><td>\(entry.line.unit.rawValue)</td><td>\(item)</td>"
                + "<td>\(HTML.escape(entry.line.material ?? ""))</td><td class=\"num\">\(cost)</td></tr>"
        }
        html += "</tbody></table><h3>Totals for \(builds) build\(builds == 1 ? "" : "s")</h3><table id=\"bom-totals\"><tbody>"
        for total in rollup.materialTotals {
            html += "<tr><td class=\"num\">\(total.quantity)</td><td>\(total.unit.rawValue)</td><td>\(HTML.escape(total.material.isEmpty ? "(no material given)" : total.material))</td></tr>"
        }
        let costs = rollup.costTotals.sorted { $0.key < $1.key }.map { "\($0.value.rounded(toDigits: 2)) \(HTML.escape($0.key))" }
        html += "</tbody></table><p id=\"bom-cost\">Cost: " + (costs.isEmpty ? "no prices given" : costs.joined(separator: " + "))
            + (rollup.linesWithoutCost > 0 ? " (\(rollup.linesWithoutCost) line(s) without a price)" : "") + "</p>"
        return html
    }

    /// The design's family from the catalog (`allmende lineage`) as nested lists, and what this package says
    /// about its parents.
    private func lineage(_ id: ContentID, _ info: DesignInfo?) -> String {
        let graph = runtime.store.lineage(of: id)
        let derivations = info?.derivedFrom ?? []
        guard graph.nodes.count > 1 || !derivations.isEmpty else { return "" }
        var html = "<h2>Lineage</h2>"
        if graph.nodes.count > 1 {
            var shown: Set<ContentID> = []
            func item(_ package: ContentID, how: String) -> String {
                var text = "<li" + (package == id ? " class=\"current\"" : "") + ">" + how
                guard shown.insert(package).inserted else { return text + WebPage.packageLink(package, title: package.shortHex()) + " (above)</li>" }
                if let listing = graph.nodes[package]?.listing {
                    text += WebPage.packageLink(package, title: "\(listing.summary.title) \(listing.summary.version)")
                        + " · \(HTML.escape(listing.summary.license)) · \(WebPage.labLink(listing.publisher))"
                    if listing.attestations > 0 { text += " · built by \(listing.attestations)" }
                    if listing.retraction != nil { text += " · retracted" }
                } else {
                    text += WebPage.packageLink(package, title: package.shortHex()) + " (not in the catalog here)"
                }
                let children = graph.children(of: package)
                if !children.isEmpty {
                    text += "<ul>" + children.map { item($0.0, how: $0.1 == .supersedes ? "new version: " : "derivative: ") }.joined() + "</ul>"
                }
                return text + "</li>"
            }
            html += "<ul id=\"lineage\">" + graph.roots.map { item($0, how: "") }.joined() + "</ul>"
        }
        if !derivations.isEmpty {
            html += "<ul id=\"derivations\">"
            for parent in derivations {
                let title = graph.nodes[parent.package]?.listing?.summary.title ?? parent.package.shortHex()
                html += "<li>Derived from \(WebPage.packageLink(parent.package, title: title)): \(HTML.escape(parent.note))"
                    + (parent.licenseNote.map { "<br><span class=\"licence-note\">Licence: \(HTML.escape($0))</span>" } ?? "") + "</li>"
            }
            html += "</ul>"
        }
        return html
    }

    /// "A newer version is available", linking it, when the catalog knows one that is not retracted.
    private func newerBanner(_ versions: VersionStatus) -> String {
        guard let latest = versions.latest else { return "" }
        return "<div class=\"banner\" id=\"newer-version\">A newer version is available: "
            + WebPage.packageLink(latest.package, title: "\(latest.summary.title) \(latest.summary.version)") + "</div>"
    }

    /// Every version of the design the catalog knows, newest first, this one marked.
    private func versionList(_ versions: VersionStatus, current: ContentID, version: String) -> String {
        guard !versions.newer.isEmpty || !versions.older.isEmpty else { return "" }
        func item(_ listing: CatalogListing) -> String {
            "<li>" + WebPage.packageLink(listing.package, title: listing.summary.version) + " · \(HTML.escape(listing.publishedAt.date))"
                + (listing.retraction == nil ? "" : " · retracted") + "</li>"
        }
        return "<h2>Versions</h2><ul id=\"versions\">" + versions.newer.map(item).joined()
            + "<li class=\"current\"><strong>\(HTML.escape(version))</strong> (this one)</li>" + versions.older.map(item).joined() + "</ul>"
    }

    private func attestations(_ statements: [VerifiedStatement]) -> String {
        let built = statements.filter { $0.statement.kind == .attest }
        guard !built.isEmpty else { return "" }
        var html = "<h2>Built by (\(built.count))</h2><ul id=\"attestations\">"
        for statement in built {
            let photos = statement.statement.photos.filter { runtime.store.blobs.has($0) }
                .map { "<a href=\"/b/\($0.hex)\">photo \($0.shortHex())</a>" }.joined(separator: " ")
            html += "<li>\(WebPage.labLink(statement.identity))" + (statement.deviceLabel.map { " (\(HTML.escape($0)))" } ?? "")
                + " on \(HTML.escape(statement.statement.time.date))"
                + (statement.statement.note.map { ": \(HTML.escape($0))" } ?? "") + (photos.isEmpty ? "" : " · " + photos) + "</li>"
        }
        return html + "</ul>"
    }

    /// A package this node knows only from its catalog entry: the signed summary and how to fetch it.
    private func catalogOnlyPage(_ listing: CatalogListing, request: HTTPRequest) -> HTTPResponse {
        let csrf = operatorSession(request)?.csrf
        let summary = listing.summary
        var page = WebPage(title: summary.title)
        let versions = runtime.store.versions(of: listing.package)
        page.raw(newerBanner(versions))
        if let reason = listing.retraction { page.raw("<div class=\"banner\" id=\"retracted\">Retracted by its publisher: \(HTML.escape(reason))</div>") }
        page.raw("<h1 id=\"title\">\(HTML.escape(summary.title)) <span class=\"meta\">\(HTML.escape(summary.version))</span></h1>")
        page.raw("<p class=\"notice\" id=\"not-stored\">Not stored on this node: it knows this design from the catalog. "
                 + "<code>allmende fetch \(listing.package.hex)</code> gets it from a lab that holds it.</p>")
        if let fetch = runtime.runningFetches.first(where: { $0.package == listing.package }) {
            page.raw("<p data-fetch=\"\(listing.package.hex)\" id=\"fetching\">Fetching: <progress max=\"\(max(1, fetch.progress.bytesTotal))\" "
                     + "value=\"\(fetch.progress.bytesDone)\"></progress></p>")
        } else {
            page.raw(Self.actionForm("fetch", csrf: csrf, fields: [("package", listing.package.hex)], button: "Fetch to this node", id: "fetch-button")
                     + (csrf == nil ? "<p class=\"meta\">Only the operator can fetch from here (<code>allmende web</code>).</p>" : ""))
        }
        page.raw("<table class=\"facts\"><tbody><tr><th>Package</th><td class=\"key\">\(listing.package.hex)</td></tr>"
                 + "<tr><th>License</th><td>\(HTML.escape(summary.license))\(listing.openHardwareProblem == nil ? WebPage.badge("open hardware", kind: "open") : WebPage.badge("not open hardware", kind: "closed"))</td></tr>"
                 + "<tr><th>Category</th><td>\(HTML.escape(summary.category))</td></tr>"
                 + "<tr><th>Held by</th><td id=\"holders\">\(runtime.holderCount(of: listing.package)) node(s) known to hold it complete</td></tr>"
                 + "<tr><th>Size</th><td>\(ByteCount.format(summary.size)) in \(summary.files) file(s)</td></tr>"
                 + "<tr><th>Publisher</th><td>\(WebPage.labLink(listing.publisher)) · \(HTML.escape(listing.publishedAt.description))</td></tr></tbody></table>")
        page.raw(versionList(versions, current: listing.package, version: summary.version))
        page.raw(lineage(listing.package, nil))
        page.raw(makersSection(listing, request: request))
        return page.response(nodeName: runtime.options.name)
    }
}
