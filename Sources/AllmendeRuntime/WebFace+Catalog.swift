// WebFace+Catalog.swift: AllmendeRuntime. The catalog page `/` (search, filters, newest first, paging) and a
// lab's page `/labs/ID`, read from the catalog index. Spec: Protocol/http.md "Pages".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendeStore
import AllmendeSystem

extension WebFace {
    /// Packages per page.
    static let pageSize = 50

    /// The search a request asks for (`q`, `category`, `tag`, `license`, `publisher`, `open`, `stored`, `after`, `limit`).
    struct CatalogSearch {
        var query = CatalogQuery()
        var text = ""
        var openOnly = false
        var storedOnly = false
        /// `versions=all`: every version of a design, not only the newest.
        var allVersions = false
        var after: ContentID?
        var limit = WebFace.pageSize
        var licenseText = ""

        init(_ request: HTTPRequest) throws(WebRequestError) {
            text = request.parameter("q") ?? ""
            let tag = request.parameter("tag").flatMap { $0.isEmpty ? nil : $0 }
            let category = request.parameter("category").flatMap { $0.isEmpty ? nil : $0 }
            let publisher = request.parameter("publisher").flatMap { $0.isEmpty ? nil : $0 }
            licenseText = request.parameter("license") ?? ""
            var licenseIDs: Set<String>?
            if !licenseText.isEmpty {
                do { licenseIDs = try SPDXExpression(parsing: licenseText).licenseIDs } catch {
                    throw WebRequestError(message: "license: \(error)")
                }
            }
            query = CatalogQuery(text: text, tag: tag, licenseIDs: licenseIDs, publisher: publisher)
            query.category = category
            openOnly = request.parameter("open") == "1"
            storedOnly = request.parameter("stored") == "1"
            allVersions = request.parameter("versions") == "all"
            if let afterText = request.parameter("after"), !afterText.isEmpty {
                guard let id = try? ContentID(parsing: afterText) else { throw WebRequestError(message: "after: '\(afterText)' is not a package ID") }
                after = id
            }
            if let limitText = request.parameter("limit") {
                guard let value = Int(limitText), (1...500).contains(value) else { throw WebRequestError(message: "limit: a number from 1 to 500") }
                limit = value
            }
        }

        /// The page's listings with versions of one design grouped under the newest (unless `versions=all`), each
        /// with how many older versions it stands for.
        func grouped(_ listings: [CatalogListing], in store: PackageStore) -> [(listing: CatalogListing, olderVersions: Int)] {
            allVersions ? listings.map { ($0, 0) } : store.groupingVersions(listings)
        }

        /// One page of matching listings, newest first; `more` if another page follows.
        func run(_ store: PackageStore) throws(StoreError) -> (listings: [CatalogListing], more: Bool) {
            var found: [CatalogListing] = []
            var cursor = after
            // Filters the index cannot answer (open hardware, stored here) are applied to batches, a bounded number.
            for _ in 0..<64 {
                let batch = try store.searchCatalog(query, after: cursor, limit: limit + 1)
                for listing in batch where (!openOnly || listing.openHardwareProblem == nil) && (!storedOnly || listing.isStored) {
                    found.append(listing)
                    if found.count > limit { return (Array(found.prefix(limit)), true) }
                }
                guard batch.count == limit + 1, let last = batch.last else { break }
                cursor = last.package
            }
            return (found, false)
        }
    }

    func catalogPage(_ request: HTTPRequest) -> HTTPResponse {
        var page = WebPage(title: "Catalog")
        let search: CatalogSearch
        do { search = try CatalogSearch(request) } catch { return badRequestPage(error.message) }
        let result: (listings: [CatalogListing], more: Bool)
        do { result = try search.run(runtime.store) } catch {
            return badRequestPage("the page after \(search.after?.hex ?? "?") is not in the catalog; start again from the first page")
        }
        page.raw("<h1>Designs in the network</h1>")
        page.raw(searchForm(search, request: request))
        if result.listings.isEmpty { page.raw("<p class=\"notice\" id=\"no-results\">No package in the catalog matches.</p>") }
        page.raw("<ul class=\"results\" id=\"results\">")
        for (listing, older) in search.grouped(result.listings, in: runtime.store) { page.raw(listingItem(listing, olderVersions: older)) }
        page.raw("</ul>")
        if result.more, let last = result.listings.last {
            let kept = request.query.filter { $0.name != "after" }.map { "\(HTTPTarget.encode($0.name))=\(HTTPTarget.encode($0.value))" }
            page.raw("<p class=\"pager\"><a rel=\"next\" id=\"next-page\" href=\"/?\((kept + ["after=\(last.package.hex)"]).joined(separator: "&amp;"))\">Next page →</a></p>")
        }
        return page.response(nodeName: runtime.options.name)
    }

    private func searchForm(_ search: CatalogSearch, request: HTTPRequest) -> String {
        let categories = DesignCategory.allCases.map { category in
            "<option value=\"\(category.rawValue)\"\(search.query.category == category.rawValue ? " selected" : "")>\(category.rawValue)</option>"
        }.joined()
        return """
        <form class="search" method="get" action="/" role="search">
        <input type="search" name="q" value="\(HTML.escape(search.text))" placeholder="Search titles, tags, licenses" aria-label="Search">
        <select name="category" aria-label="Category"><option value="">any category</option>\(categories)</select>
        <input name="tag" value="\(HTML.escape(request.parameter("tag") ?? ""))" placeholder="tag" size="10" aria-label="Tag">
        <input name="license" value="\(HTML.escape(search.licenseText))" placeholder="license (SPDX)" size="14" aria-label="License">
        <label><input type="checkbox" name="open" value="1"\(search.openOnly ? " checked" : "")> open hardware only</label>
        <label><input type="checkbox" name="stored" value="1"\(search.storedOnly ? " checked" : "")> stored here</label>
        <label><input type="checkbox" name="versions" value="all"\(search.allVersions ? " checked" : "")> every version</label>
        <button type="submit">Search</button></form>
        """
    }

    func listingItem(_ listing: CatalogListing, olderVersions: Int = 0) -> String {
        var marks = ""
        if listing.isStored { marks += WebPage.badge("stored here", kind: "stored") }
        marks += listing.openHardwareProblem == nil ? WebPage.badge("open hardware", kind: "open") : WebPage.badge("not open hardware", kind: "closed")
        if listing.retraction != nil { marks += WebPage.badge("retracted", kind: "retracted") }
        if listing.isSignerRevoked { marks += WebPage.badge("signed by a revoked key", kind: "retracted") }
        let summary = listing.summary
        var meta = "\(HTML.escape(summary.category)) · \(HTML.escape(summary.license)) · \(ByteCount.format(summary.size)) in \(summary.files) file(s)"
        if !summary.tags.isEmpty { meta += " · " + summary.tags.map(HTML.escape).joined(separator: ", ") }
        if listing.attestations > 0 { meta += " · built by \(listing.attestations) lab(s)" }
        let held = runtime.holderCount(of: listing.package)
        if held > 0 { meta += " · held by \(held)" }
        if olderVersions > 0 { meta += " · +\(olderVersions) older version\(olderVersions == 1 ? "" : "s")" }
        meta += " · by " + WebPage.labLink(listing.publisher)
        let title = WebPage.packageLink(listing.package, title: summary.title)
        return "<li data-package=\"\(listing.package.hex)\">\(title) <span class=\"meta\">\(HTML.escape(summary.version))</span>\(marks)<div class=\"meta\">\(meta)</div></li>"
    }

    /// `/labs/ID`: what a lab (or node) published and attested.
    func labPage(_ text: String, request: HTTPRequest) -> HTTPResponse {
        guard let lab = try? NodeID(parsing: text) else { return badRequestPage("'\(text)' is not a lab or node key") }
        var page = WebPage(title: "Lab \(lab.text.prefix(12))")
        page.raw("<h1>Lab <span class=\"key\">\(lab.text)</span></h1>")
        page.raw(labProfileSection(lab))
        let published = (try? runtime.store.searchCatalog(CatalogQuery(publisher: lab.text), limit: 500)) ?? []
        page.raw("<h2>Published (\(published.count))</h2><ul class=\"results\" id=\"published\">")
        for listing in published { page.raw(listingItem(listing)) }
        page.raw("</ul>")
        if published.isEmpty { page.raw("<p class=\"notice\">This node's catalog has no package published by this key.</p>") }
        let built = runtime.store.catalogPackages(attestedBy: lab)
        page.raw("<h2>Built (\(built.count))</h2><ul class=\"results\" id=\"attested\">")
        for listing in built { page.raw(listingItem(listing)) }
        page.raw("</ul>")
        if let csrf = operatorSession(request)?.csrf {
            page.raw(Self.actionForm("mirror-add", csrf: csrf, fields: [("publisher", lab.text)], button: "Mirror everything this lab publishes", id: "mirror-lab"))
        }
        return page.response(nodeName: runtime.options.name)
    }

    func badRequestPage(_ message: String) -> HTTPResponse {
        var page = WebPage(title: "Bad request")
        page.raw("<h1>That request cannot be answered</h1>")
        page.element("p", message, class: "notice")
        return page.response(status: 400, nodeName: runtime.options.name)
    }

    /// A 404 page; with `fetch`, it says how to get the package from the network.
    func notFound(_ message: String, fetch: ContentID? = nil) -> HTTPResponse {
        var page = WebPage(title: "Not found")
        page.raw("<h1>Not found</h1>")
        page.element("p", message, class: "notice")
        if let fetch {
            page.raw("<p>To get it from the network: <code>allmende fetch \(fetch.hex)</code> (or the fetch button on "
                     + "<a href=\"/p/\(fetch.hex)\">its page</a> when you are logged in as the operator).</p>")
        }
        return page.response(status: 404, nodeName: runtime.options.name)
    }
}

/// A query parameter that cannot be used, with what to write instead.
struct WebRequestError: Error {
    let message: String
}
