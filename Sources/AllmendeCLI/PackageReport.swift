// PackageReport.swift: AllmendeCLI. The human-readable page `allmende show` prints.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore

enum PackageReport {
    /// What making the design needs (as `makers` matches it), one need a line: "needs      laser-cutting 600 × 400 mm".
    /// Process-only needs are left out when `processes` already says them.
    static func printNeeds(_ needs: [FabricationNeed], label: String, console: Console) {
        let detailed = needs.filter { $0.part != nil || $0.size != nil || $0.material != nil || $0.thickness != nil }
        for (number, need) in detailed.enumerated() {
            console.line((number == 0 ? label : String(repeating: " ", count: label.count)) + need.description)
        }
    }

    static func print(manifest: DesignManifest, id: ContentID, statements: [VerifiedStatement], store: PackageStore, versions: VersionStatus,
                      console: Console) {
        let info = manifest.info
        printNewer(versions, of: id, console: console)
        // Every retraction by the publisher, oldest first: a second one does not hide the first reason.
        let retractions = statements.filter { $0.statement.kind == .retract && $0.identity == manifest.publisher }.sorted { $0.statement.time < $1.statement.time }
        for retraction in retractions { console.line("RETRACTED on \(retraction.statement.time.date): \(retraction.statement.reason ?? "")") }
        if !retractions.isEmpty { console.line("") }
        console.line("\(info.title)  \(info.version)")
        console.line("package    \(id.hex)")
        console.line("summary    \(info.summary)")
        console.line("category   \(info.category.rawValue)" + (info.tags.isEmpty ? "" : "   tags: " + info.tags.joined(separator: ", ")))
        let openNote = info.license.openHardwareProblem.map { "   NOT OPEN HARDWARE: \($0)" } ?? ""
        console.line("license    \(info.license)\(openNote)")
        console.line("licensors  " + info.licensors.map(\.name).joined(separator: "; "))
        if !info.authors.isEmpty {
            console.line("authors    " + info.authors.map { author in author.role.map { "\(author.name) (\($0))" } ?? author.name }.joined(separator: "; "))
        }
        console.line("publisher  \(manifest.publisher.text)")
        console.line("created    \(manifest.created)")
        if !info.processes.isEmpty { console.line("processes  " + info.processes.map(\.rawValue).joined(separator: ", ")) }
        printNeeds(PackageSummary.needs(of: info), label: "needs      ", console: console)
        if let readiness = info.readiness { console.line("readiness  \(readiness.rawValue)") }
        if let safety = info.healthSafety { console.line("SAFETY     \(safety)") }
        if !info.description.isEmpty {
            console.line("")
            console.line(info.description)
        }
        console.line("")
        console.line("files (\(manifest.files.count), \(ByteCount.format(manifest.totalSize))):")
        for file in manifest.files {
            let present = store.blobs.has(file.sha256) ? " " : "!"
            console.line("  \(present) \(pad(file.role.rawValue, 13)) \(pad(ByteCount.format(file.size), 10)) \(file.path)")
        }
        if manifest.files.contains(where: { !store.blobs.has($0.sha256) }) { console.line("  (! = not in the local store yet)") }
        if !info.bom.isEmpty {
            console.line("")
            console.line("bill of materials (per build):")
            for line in info.bom {
                let cost = line.unitCost.map { "  @ \($0.amount) \($0.currency)" } ?? ""
                let sub = line.package.map { "  [sub-assembly \($0.shortHex())]" } ?? ""
                console.line("  \(pad(line.quantity.description, 7)) \(pad(line.unit.rawValue, 5)) \(line.item)"
                             + (line.material.map { " — \($0)" } ?? "") + cost + sub)
            }
        }
        if !info.derivedFrom.isEmpty {
            console.line("")
            console.line("derived from:")
            for parent in info.derivedFrom {
                let title = (try? store.manifest(parent.package).info.title) ?? "(not in the local store)"
                console.line("  \(parent.package.shortHex())  \(title): \(parent.note)")
                if let licenseNote = parent.licenseNote { console.line("    LICENCE: \(licenseNote)") }
            }
        }
        let children = store.derivedPackages(of: id)
        if !children.isEmpty {
            console.line("")
            console.line("derived packages:")
            for child in children { console.line("  \(child.shortHex())  \((try? store.manifest(child).info.title) ?? "")") }
        }
        printVersions(versions, current: (info.version, id), console: console)
        console.line("")
        console.line("statements:")
        for verified in statements {
            let isPublisher = verified.identity == manifest.publisher
            let by = isPublisher ? "publisher" : verified.identity.text
            // Only the publisher can withdraw a package; anyone else's retraction is a warning to read, not a withdrawal.
            let kind = verified.statement.kind == .retract && !isPublisher ? "advisory retraction (not by the publisher)" : verified.statement.kind.rawValue
            var text = "  \(verified.statement.time)  \(kind) by \(by)"
            if verified.device != verified.identity {
                text += " (device \(verified.device.text.prefix(12))…" + (verified.deviceLabel.map { ", \"\($0.replacingOccurrences(of: "\n", with: " "))\"" } ?? "") + ")"
            }
            if let note = verified.statement.note { text += ": " + note }
            if let reason = verified.statement.reason { text += ": " + reason }
            if !verified.statement.photos.isEmpty { text += " [\(verified.statement.photos.count) photo(s)]" }
            console.line(text)
        }
    }

    /// The banner a package with a newer version gets, first thing.
    static func printNewer(_ versions: VersionStatus, of id: ContentID, console: Console) {
        guard let latest = versions.latest else { return }
        console.line("NEWER VERSION \(latest.summary.version) available: \(latest.package.hex)")
        console.line("  ('allmende fetch \(id.shortHex(8)) --latest' gets it; 'allmende show \(latest.package.shortHex(8))' shows it)")
        console.line("")
    }

    /// Every version of the design the catalog knows, newest first, this one marked.
    static func printVersions(_ versions: VersionStatus, current: (version: String, id: ContentID), console: Console) {
        guard !versions.newer.isEmpty || !versions.older.isEmpty else { return }
        console.line("")
        console.line("versions (newest first; > this one):")
        func line(_ listing: CatalogListing, mark: String) {
            var text = "  \(mark) \(pad(listing.summary.version, 10)) \(listing.package.shortHex())  \(listing.publishedAt.date)"
            if listing.isStored { text += "  stored" }
            if listing.retraction != nil { text += "  [RETRACTED]" }
            console.line(text)
        }
        for listing in versions.newer { line(listing, mark: " ") }
        console.line("  > \(pad(current.version, 10)) \(current.id.shortHex())  (this one)")
        for listing in versions.older { line(listing, mark: " ") }
    }

    static func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
}
