// WebBrowserTests.swift: the web face in a real headless Chromium (chromedriver): search, a package page with
// licence, drawings and BOM totals for 3 builds, the ZIP download, a hostile title that stays text, and the fetch
// button refused without the operator's login and working with it. ALLMENDE_UPDATE_SCREENSHOTS=1 saves the
// pages to Examples/screenshots/.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Web face in a real browser", .serialized)
struct WebBrowserTests {
    @Test("search, package page, BOM for 3 builds, drawings, ZIP, a <script> title, and the fetch button with and without login")
    func browse() throws {
        try withTempDirectory("web-browser") { folder in
            let holder = try TestNode.start("Fab Lab Nord", in: folder)
            defer { holder.runtime.stop() }
            let lab = try TestNode.start("Offene Werkstatt", in: folder, peers: [PeerEntry(address: holder.address, node: holder.id)]) { options in
                options.http = SocketAddress(host: "127.0.0.1", port: 0)
                options.httpRequired = true
            }
            defer { lab.runtime.stop() }
            let port = try #require(lab.runtime.httpPort)
            let base = "http://127.0.0.1:\(port)"
            #expect(lab.waitForConnections(to: [holder.id]))
            let wall = try lab.publishExample("timber-wall-block")
            _ = try lab.publishExample("pem-fuel-cell-end-plate")
            let key = try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem")
            let now = Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
            let garden = try holder.runtime.store.publish(folder: Repository.root + "/Examples/packages/garden-studio-plan",
                                                          as: LabIdentity(deviceKey: key, delegation: nil), options: PublishOptions(now: now))
            let hostile = try holder.publishTitled("<script>alert(1)</script>", in: folder)
            for statement in holder.runtime.store.catalog.ids { _ = holder.runtime.announceLocal(statement) }
            #expect(CatalogGossipTests.waitUntil {
                lab.runtime.store.catalogListing(garden.packageID) != nil && lab.runtime.store.catalogListing(hostile) != nil
            })
            let downloads = folder.file("downloads")
            try FileSystem.makeDirectories(downloads)
            let browser = try WebDriver(downloads: downloads)
            let shots = ProcessInfo.processInfo.environment["ALLMENDE_UPDATE_SCREENSHOTS"] == "1" ? Repository.root + "/Examples/screenshots" : folder.path

            // Search finds the package.
            try browser.open(base + "/")
            let box = try #require(try browser.element("input[name=q]"))
            try browser.type("modular wal", into: box)
            #expect(try browser.waitUntil { try browser.execute("return document.querySelector('input[name=q]').value") as? String == "modular wal" })
            try browser.click(try #require(try browser.element("form.search button")))
            let found = try browser.waitUntil { try browser.elements("#results li").count == 1 }
            #expect(found)
            let result = try #require(try browser.element("#results li a"))
            #expect(try browser.text(result).hasPrefix("WB-M modular timber wall block"))
            try browser.open(base + "/")
            try browser.screenshot(to: shots + "/catalog.png")

            // The package page: licence, open-hardware mark, drawings that load, BOM totals for 3 builds.
            try browser.open(base + "/p/\(wall.hex)")
            #expect(try browser.text(try #require(try browser.element("#license"))).contains("CC-BY-SA-4.0"))
            #expect(try browser.text(try #require(try browser.element("#open-mark"))) == "open hardware")
            #expect(try browser.waitUntil { try browser.execute("return document.querySelector('#drawings img').naturalWidth > 0") as? Bool == true })
            try browser.type("3", into: try #require(try browser.element("#builds")))
            try browser.click(try #require(try browser.element("#bom + form button, form.search button[type=submit]")))
            let manifest = try lab.runtime.store.manifest(wall)
            let rollup = try BOMRollup(manifest: manifest, packageID: wall, builds: 3, expand: false) { _ in nil }
            #expect(try browser.waitUntil {
                let search = try browser.execute("return location.search") as? String
                return try browser.element("#bom-totals") != nil && search == "?builds=3"
            })
            let totals = try browser.text(try #require(try browser.element("#bom-totals")))
            for total in rollup.materialTotals where !total.material.isEmpty { #expect(totals.contains("\(total.quantity) \(total.unit.rawValue) \(total.material)")) }
            let cost = try browser.text(try #require(try browser.element("#bom-cost")))
            #expect(cost.contains(rollup.costTotals["EUR"].map { "\($0.rounded(toDigits: 2)) EUR" } ?? "?"))
            try browser.screenshot(to: shots + "/package.png")

            // Who can make it near Hamburg: the three example labs' profiles, the form, the ranked labs with reasons.
            for name in ["fab-lab-altona", "holzbau-manufaktur-lueneburg", "repair-cafe-kreuzberg"] {
                let labKey = try Ed25519PrivateKey()
                let draft = try JSONParser.parse(try FileSystem.readFile(Repository.root + "/Examples/labs/\(name).json"))
                let profile = try LabProfile.fromDraft(draft, identity: NodeID(publicKey: labKey.publicKey), time: now)
                #expect(lab.runtime.acceptEntry(try SignedLabProfile.sign(profile, with: labKey, delegation: nil).canonicalBytes()) == .accepted)
            }
            try browser.open(base + "/p/\(wall.hex)")
            try browser.type("Hamburg", into: try #require(try browser.element("#near")))
            try browser.click(try #require(try browser.element("#makers-form button")))
            #expect(try browser.waitUntil { try browser.elements("#makers li").count == 2 })
            let makers = try browser.elements("#makers li").map { try browser.text($0) }
            #expect(makers.first?.hasPrefix("Fab Lab Altona — Hamburg, DE, 4 km") == true, "\(makers)")
            #expect(makers.last?.hasPrefix("Holzbau-Manufaktur Lüneburg — Lüneburg, DE, 44 km") == true)
            #expect(try browser.text(try #require(try browser.element("#makers-unable summary"))) == "1 lab(s) cannot")
            try browser.screenshot(to: shots + "/makers.png")

            // The ZIP download unpacks to the manifest's files.
            try browser.click(try #require(try browser.element("#download-zip")))
            var zipPath: String?
            #expect(browser.waitUntil(.seconds(30)) {
                zipPath = (try? FileSystem.contentsOfDirectory(downloads))?.first { $0.hasSuffix(".zip") }.map { downloads + "/" + $0 }
                return zipPath != nil
            })
            let zip = try #require(zipPath)
            let script = "import zipfile,sys,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n"
                + "for i in z.infolist(): print(i.filename.split('/',1)[1], hashlib.sha256(z.read(i)).hexdigest())"
            let listing = try ProcessRunner.run("python3", ["-c", script, zip])
            #expect(listing.status == 0, "\(listing.standardError)")
            let hashes = Dictionary(uniqueKeysWithValues: listing.standardOutput.split(separator: "\n").map { line in
                (String(line.split(separator: " ")[0]), String(line.split(separator: " ")[1]))
            })
            for file in manifest.files { #expect(hashes[file.path.description] == file.sha256.hex, "\(file.path)") }

            // A title with markup is text, and no script runs.
            for path in ["/p/\(hostile.hex)", "/?q=script"] {
                try browser.open(base + path)
                #expect(try browser.alertText() == nil, "\(path)")
            }
            try browser.open(base + "/p/\(hostile.hex)")
            #expect(try browser.text(try #require(try browser.element("#title"))).hasPrefix("<script>alert(1)</script>"))
            #expect(try browser.execute("return document.querySelectorAll('main script').length") as? Int == 0)

            // The fetch button: refused without the login.
            try browser.open(base + "/p/\(garden.packageID.hex)")
            try browser.click(try #require(try browser.element("#fetch-button")))
            #expect(try browser.waitUntil { try browser.element("#refused") != nil })
            #expect(!lab.runtime.store.isStored(garden.packageID))

            // With the login it fetches from the peer, and the page shows the package stored.
            try browser.open(try #require(try lab.runtime.webLoginURL()))
            #expect(try browser.waitUntil { try browser.element("#operator") != nil })
            try browser.open(base + "/p/\(garden.packageID.hex)")
            try browser.click(try #require(try browser.element("#fetch-button")))
            let shown = try browser.waitUntil(.seconds(60)) {
                if try browser.element("#files") != nil { return true }
                // The page reloads itself when the fetch ends (its script polls /api/status); only a fetch that ended
                // before the page loaded leaves nothing to wait for, and then the test reloads.
                if lab.runtime.store.isStored(garden.packageID), try browser.element("#fetching") == nil, try browser.element("#fetch-button") != nil {
                    try browser.open(base + "/p/\(garden.packageID.hex)")
                }
                return false
            }
            #expect(shown, "stored: \(lab.runtime.store.isStored(garden.packageID)); log: \(lab.runtime.logger.lines.filter { $0.contains("fetch") }.suffix(5))")
            #expect(lab.runtime.store.isStored(garden.packageID))
            try browser.open(base + "/node")
            try browser.screenshot(to: shots + "/node.png")
        }
    }
}
