// SearchPagingTests.swift: `search` and `ls` page with --limit and --after; bad values are usage errors, an
// unknown package to start after is a clear error.

import AllmendeCLI
import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Paging through search and ls")
struct SearchPagingTests {
    @Test("pages of 2 give every package once, newest first; --limit 0, -1, 'ten' and a malformed --after are usage errors; --category narrows")
    func paging() throws {
        try withTempDirectory("paging") { folder throws in
            let home = folder.file("home")
            let key = Repository.root + "/Examples/keys/demo-lab.pem"
            for name in ["pem-fuel-cell-end-plate", "timber-wall-block"] {
                #expect(runCLI(["publish", Repository.root + "/Examples/packages/" + name, "--key", key], home: home).status == 0)
            }
            let all = try JSONParser.parse(Array(runCLI(["search", "--json"], home: home).output.utf8)).arrayValue ?? []
            let ids = all.compactMap { $0["package"]?.stringValue }
            #expect(ids.count == 2)
            let first = try JSONParser.parse(Array(runCLI(["search", "--json", "--limit", "1"], home: home).output.utf8)).arrayValue ?? []
            #expect(first.compactMap { $0["package"]?.stringValue } == [ids[0]])
            let second = try JSONParser.parse(Array(runCLI(["ls", "--json", "--limit", "5", "--after", ids[0]], home: home).output.utf8)).arrayValue ?? []
            #expect(second.compactMap { $0["package"]?.stringValue } == [ids[1]])
            for bad in [["--limit", "0"], ["--limit", "-1"], ["--limit", "ten"], ["--after", "zz"]] {
                for command in ["search", "ls"] {
                    let run = runCLI([command] + bad, home: home)
                    #expect(run.status == ExitCode.usage, "\(command) \(bad): \(run.error)")
                }
            }
            let unknown = runCLI(["search", "--after", String(repeating: "ab", count: 32)], home: home)
            #expect(unknown.status == ExitCode.failure && !unknown.error.isEmpty)
            // --category narrows through the index; an unknown category is a usage error naming the known ones.
            let energy = try JSONParser.parse(Array(runCLI(["search", "--json", "--category", "Energy"], home: home).output.utf8)).arrayValue ?? []
            #expect(energy.compactMap { $0["category"]?.stringValue } == ["energy"])
            let wrong = runCLI(["search", "--category", "spaceships"], home: home)
            #expect(wrong.status == ExitCode.usage && wrong.error.contains("building"))
            // ls lists stored packages only: with the newest removed (it stays in the catalog), pages start after it,
            // and a package known only from the catalog still serves as the cursor.
            #expect(runCLI(["rm", ids[0]], home: home).status == 0)
            for arguments in [["ls", "--json"], ["ls", "--json", "--limit", "1"], ["ls", "--json", "--after", ids[0]]] {
                let page = try JSONParser.parse(Array(runCLI(arguments, home: home).output.utf8)).arrayValue ?? []
                #expect(page.compactMap { $0["package"]?.stringValue } == [ids[1]], "\(arguments)")
            }
            let none = try JSONParser.parse(Array(runCLI(["ls", "--json", "--after", ids[1]], home: home).output.utf8)).arrayValue
            #expect(none?.isEmpty == true)
        }
    }
}
