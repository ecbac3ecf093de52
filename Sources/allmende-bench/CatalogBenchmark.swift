// CatalogBenchmark.swift: allmende-bench. Listing a catalog of many entries, as `search` and `ls` do, from a
// cold process: without the saved listings, with them, and beside `grep` over the raw log.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

struct CatalogBenchmark {
    let options: BenchOptions
    /// Publish entries in the catalog.
    let entries: Int

    func run() throws {
        let home = NodeHome(path: options.directory + "/allmende-bench-catalog-\(getpid())")
        defer { try? FileSystem.removeTree(home.path) }
        print("catalog: \(entries) publish entries, \(options.runs) runs each, cold (a fresh PackageStore per run)")
        try fill(home)
        let snapshot = home.path + "/catalog.listings"
        var withoutSnapshot: [Double] = []
        var withSnapshot: [Double] = []
        var grep: [Double] = []
        for _ in 0..<options.runs {
            try? FileSystem.removeFile(snapshot)
            withoutSnapshot.append(try measure { try search(home) })
            withSnapshot.append(try measure { try search(home) })
            grep.append(measure { _ = try? runCommand("grep", ["-c", "Design number 42", home.path + "/catalog"]) })
        }
        let size = try FileSystem.size(of: home.path + "/catalog")
        print("")
        print("| what | median (ms) | ratio to grep -c |")
        print("|---|---:|---:|")
        for (name, times) in [("allmende listings, first run (parses every entry)", withoutSnapshot),
                              ("allmende listings, saved listings (catalog.listings)", withSnapshot), ("grep -c on the raw log", grep)] {
            print("| \(name) | \(String(format: "%.1f", median(times) * 1000)) | \(String(format: "%.2f", median(times) / median(grep)))× |")
        }
        print("\ncatalog log \(size / 1024) KiB")
    }

    /// What `search TEXT` does: open the store, list every package, match the text.
    private func search(_ home: NodeHome) throws {
        let store = try PackageStore(home: home)
        let matches = store.catalogListings().filter { $0.summary.title.lowercased().contains("number 42") }
        guard !matches.isEmpty else { throw BenchError(message: "no match") }
    }

    private func fill(_ home: NodeHome) throws {
        let store = try PackageStore(home: home)
        let key = try Ed25519PrivateKey()
        let lab = NodeID(publicKey: key.publicKey)
        let files = (0..<3).map { index in
            #"{"path": "parts/p\#(index).stl", "size": 1000, "sha256": "\#(String(repeating: "ab", count: 32))", "#
                + #""chunkIndex": "\#(String(repeating: "cd", count: 32))", "mediaType": "model/stl", "role": "cad"}"#
        }.joined(separator: ", ")
        let manifest = try DesignManifest(parsing: CanonicalEncoder.encode(try JSONParser.parse("""
            {"schema": "allmende/design-package/1", "title": "Bench", "version": "1.0.0", "summary": "Generated",
             "category": "tools-machines", "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Bench Lab"}],
             "documentationLanguage": ["en"], "publisher": "\(lab.text)", "created": "2026-01-01T00:00:00Z", "files": [\(files)]}
            """)))
        for number in 0..<entries {
            var summary = PackageSummary(manifest: manifest)
            summary.title = "Design number \(number)"
            try store.catalog.append(try SignedStatement.sign(
                Statement(kind: .publish, package: SHA256Hasher.hash(Array("package \(number)".utf8)), identity: lab,
                          time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)), summary: summary),
                with: key, delegation: nil))
        }
    }
}
