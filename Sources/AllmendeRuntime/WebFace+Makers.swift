// WebFace+Makers.swift: AllmendeRuntime. "Who can make it" on a package's page (labs ranked for the design near a
// place, each with its reason), a lab's profile on its page, and `/api/packages/ID/makers`.
// Spec: Protocol/lab-profile.md, Protocol/http.md "Pages".

import AllmendeCrypto
import AllmendeHTTP
import AllmendeModel
import AllmendePlaces
import AllmendeStore
import CanonicalJSON

extension WebFace {
    /// The place and distance a request asks about (`near`, `within`), or the problem with them.
    struct MakerQuery {
        var near = ""
        var origin: MakerSearch.Origin?
        var within: Double?
        var problem: String?
    }

    func makerQuery(_ request: HTTPRequest) -> MakerQuery {
        var query = MakerQuery()
        if let near = request.parameter("near"), !near.isEmpty {
            query.near = String(near.prefix(100))
            switch MakerSearch.origin(query.near) {
            case let .success((origin, _)): query.origin = origin
            case let .failure(error): query.problem = error.message
            }
        }
        if let text = request.parameter("within"), !text.isEmpty {
            if let km = Double(text), km > 0, km <= 40_100, query.origin != nil { query.within = km } else {
                query.problem = query.problem ?? "within: kilometres (more than 0) from a place given in 'near'"
            }
        }
        return query
    }

    /// The section: the design's needs, a form for the place, the labs that can make it and how many cannot.
    func makersSection(_ listing: CatalogListing?, request: HTTPRequest) -> String {
        guard let listing else { return "" }
        let query = makerQuery(request)
        var html = "<h2 id=\"who-can-make\">Who can make it</h2>"
        let needs = listing.summary.fabrication
        if !needs.isEmpty {
            html += "<p class=\"meta\" id=\"needs\">Needs: " + needs.map { HTML.escape($0.description) }.joined(separator: "; ") + "</p>"
        }
        html += "<form class=\"search\" id=\"makers-form\" method=\"get\" action=\"/p/\(listing.package.hex)#who-can-make\"><label>Near "
            + "<input name=\"near\" id=\"near\" value=\"\(HTML.escape(query.near))\" placeholder=\"Hamburg, DE or 53.55,9.99\"></label> "
            + "<label>within <input type=\"number\" name=\"within\" min=\"1\" max=\"40000\" value=\"\(query.within.map { String(Int($0)) } ?? "")\"> km</label> "
            + "<button type=\"submit\">Find labs</button></form>"
        if let problem = query.problem { html += "<p class=\"notice\" id=\"near-problem\">\(HTML.escape(problem))</p>" }
        let ranked = MakerSearch.judge(listing, in: runtime.store, origin: query.origin, within: query.within)
        guard !ranked.isEmpty else {
            return html + "<p class=\"notice\" id=\"makers-none\">No lab profiles have reached this node yet; they travel with the catalog.</p>"
        }
        let able = ranked.filter(\.isIn), unable = ranked.filter { !$0.isIn }
        html += "<ol id=\"makers\">"
        for verdict in able.prefix(20) { html += Self.makerItem(verdict) }
        html += "</ol>"
        if able.isEmpty { html += "<p class=\"notice\" id=\"makers-nobody\">No lab this node knows covers every need.</p>" }
        if !unable.isEmpty {
            html += "<details id=\"makers-unable\"><summary>\(unable.count) lab(s) cannot</summary><ul>"
            for verdict in unable.prefix(50) { html += Self.makerItem(verdict, tag: "li") }
            html += "</ul></details>"
        }
        return html
    }

    static func makerItem(_ verdict: MakerVerdict, tag: String = "li") -> String {
        let lab = verdict.profile
        var line = WebPage.labLink(lab.identity, name: lab.name) + " — " + HTML.escape(lab.location?.label ?? "place not given")
        if let distance = verdict.distanceKM { line += ", \(Int(distance.rounded())) km" }
        if let access = lab.accessType { line += " — " + HTML.escape(access.rawValue) }
        if verdict.builds > 0 { line += " " + WebPage.badge("built it", kind: "open") }
        let reasons = (verdict.exclusion.map { [$0] } ?? []) + verdict.needs.map(\.verdict.reason)
        return "<\(tag) class=\"maker\">\(line)<div class=\"meta\">" + reasons.map(HTML.escape).joined(separator: "<br>") + "</div></\(tag)>"
    }

    /// `/labs?process=P&near=PLACE&within=KM`: the labs this node knows, nearest first (as `allmende labs`).
    func labsPage(_ request: HTTPRequest) -> HTTPResponse {
        let query = makerQuery(request)
        let processText = request.parameter("process") ?? ""
        let process = ManufacturingProcess(rawValue: processText)
        var page = WebPage(title: "Labs")
        page.raw("<h1>Labs</h1><form class=\"search\" id=\"labs-form\" method=\"get\" action=\"/labs\"><label>Process <select name=\"process\">"
                 + "<option value=\"\">any</option>" + ManufacturingProcess.allCases.map { option in
                     "<option\(option == process ? " selected" : "")>\(option.rawValue)</option>"
                 }.joined() + "</select></label> <label>Near <input name=\"near\" value=\"\(HTML.escape(query.near))\" placeholder=\"Hamburg, DE\"></label> "
                 + "<label>within <input type=\"number\" name=\"within\" min=\"1\" max=\"40000\" value=\"\(query.within.map { String(Int($0)) } ?? "")\"> km</label> "
                 + "<button type=\"submit\">Show</button></form>")
        if let problem = query.problem ?? (processText.isEmpty || process != nil ? nil : "process: '\(processText)' is not one of the processes") {
            page.raw("<p class=\"notice\" id=\"labs-problem\">\(HTML.escape(problem))</p>")
        }
        let found = MakerSearch.directory(runtime.store.labProfiles(), process: process, origin: query.origin, within: query.within)
        page.raw("<ul class=\"results\" id=\"labs\">")
        for (known, distance) in found.prefix(500) {
            let lab = known.profile
            var line = WebPage.labLink(lab.identity, name: lab.name) + " — " + HTML.escape(lab.location?.label ?? "place not given")
            if let distance { line += ", \(Int(distance.rounded())) km" }
            if let access = lab.accessType { line += " — " + HTML.escape(access.rawValue) }
            page.raw("<li>\(line)<div class=\"meta\">\(HTML.escape(lab.processes.map(\.rawValue).joined(separator: ", ")))</div></li>")
        }
        page.raw("</ul>")
        if found.isEmpty { page.raw("<p class=\"notice\" id=\"labs-none\">No lab profile known here fits; profiles travel with the catalog.</p>") }
        return page.response(nodeName: runtime.options.name)
    }

    /// A lab's current profile for its page.
    func labProfileSection(_ lab: NodeID) -> String {
        guard let known = runtime.store.labProfile(of: lab) else { return "" }
        let profile = known.profile
        var html = "<div id=\"lab-profile\"><h2>\(HTML.escape(profile.name))</h2>"
        if let description = profile.description { html += "<p>\(HTML.escape(description))</p>" }
        html += "<table class=\"facts\"><tbody>"
        var rows: [(String, String)] = []
        if let location = profile.location { rows.append(("Where", [location.city, location.region, location.country].compactMap { $0 }.joined(separator: ", "))) }
        rows.append(("Status", profile.facilityStatus.rawValue + (profile.accessType.map { " · access: \($0.rawValue)" } ?? "")))
        if let hours = profile.openingHours { rows.append(("Opening hours", hours)) }
        if let wheelchair = profile.wheelchairAccessibility { rows.append(("Wheelchair", wheelchair)) }
        if let email = profile.email { rows.append(("E-mail", email)) }
        if !profile.languages.isEmpty { rows.append(("Languages", profile.languages.joined(separator: ", "))) }
        if !profile.services.isEmpty { rows.append(("Services", profile.services.map(\.rawValue).joined(separator: ", "))) }
        for (name, value) in rows { html += "<tr><th>\(HTML.escape(name))</th><td>\(HTML.escape(value))</td></tr>" }
        html += "</tbody></table><h3>Machines</h3><ul id=\"machines\">"
        for machine in profile.equipment {
            var text = "\(machine.kind.rawValue): \(machine.label)"
            if !machine.materials.isEmpty { text += "; takes \(machine.materials.joined(separator: ", "))" }
            if let thickness = machine.maxThickness { text += " up to \(thickness) mm" }
            html += "<li>\(HTML.escape(text))</li>"
        }
        return html + "</ul></div>"
    }

    /// `/api/packages/ID/makers?near=&within=`.
    func makersAPI(_ listing: CatalogListing, request: HTTPRequest) -> HTTPResponse {
        let query = makerQuery(request)
        if let problem = query.problem { return apiError(400, problem) }
        let ranked = MakerSearch.judge(listing, in: runtime.store, origin: query.origin, within: query.within)
        func json(_ verdict: MakerVerdict) -> JSONValue {
            .object(["identity": .string(verdict.profile.identity.text), "name": .string(verdict.profile.name),
                     "distanceKM": verdict.distanceKM.map { .number(($0 * 10).rounded() / 10) } ?? .null, "builds": .integer(verdict.builds),
                     "coverage": .number((verdict.coverage * 1000).rounded() / 1000), "exclusion": verdict.exclusion.map { .string($0) } ?? .null,
                     "reasons": .array(verdict.needs.map { .string($0.verdict.reason) })])
        }
        return Self.json(.object(["package": .string(listing.package.hex), "near": query.origin.map { .string($0.label) } ?? .null,
                                  "makers": .array(ranked.filter(\.isIn).map(json)), "others": .array(ranked.filter { !$0.isIn }.map(json))]))
    }
}
