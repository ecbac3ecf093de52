// MirrorCommandTests.swift: mirror policies from the command line, listed as structured JSON with their usage.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Testing

@Suite("Mirror policies on the command line")
struct MirrorCommandTests {
    @Test("mirror ls --json lists each policy with its number, quota and usage")
    func listAsJSON() throws {
        try withTempDirectory("mirror-cli") { folder throws in
            let home = folder.file("home")
            #expect(runCLI(["mirror", "add", "--tag", "timber", "--quota", "1000000"], home: home).status == ExitCode.success)
            #expect(runCLI(["mirror", "add", "--all"], home: home).status == ExitCode.success)
            let listed = runCLI(["mirror", "ls", "--json"], home: home)
            #expect(listed.status == ExitCode.success, "\(listed.error)")
            let entries = try #require(try JSONParser.parse(listed.output).arrayValue)
            #expect(entries.count == 2)
            #expect(entries.first?["number"]?.numberValue == 1)
            #expect(entries.first?["policy"]?["tag"]?.stringValue == "timber")
            #expect(entries.first?["quota"]?.numberValue == 1_000_000)
            #expect(entries.first?["usedBytes"]?.numberValue == 0)
            #expect(entries.last?["policy"]?["all"] == .bool(true))
            #expect(entries.last?["quota"] == .null)
            let text = runCLI(["mirror", "ls"], home: home)
            #expect(text.output.split(separator: "\n").count == 2)
            #expect(runCLI(["mirror", "rm", "abc"], home: home).status == ExitCode.usage)
            #expect(runCLI(["mirror", "rm", "7"], home: home).status == ExitCode.failure)
            #expect(runCLI(["mirror", "rm", "2"], home: home).status == ExitCode.success)
        }
    }

    @Test("mirror add --min-holders: alone it preserves everything rare, with a filter only that; written to config.json; bad counts are usage errors")
    func minHolders() throws {
        try withTempDirectory("mirror-rare-cli") { folder throws in
            let home = folder.file("home")
            #expect(runCLI(["mirror", "add", "--min-holders", "3", "--quota", "20GB"], home: home).status == ExitCode.success)
            #expect(runCLI(["mirror", "add", "--tag", "timber", "--min-holders", "2"], home: home).status == ExitCode.success)
            let entries = try #require(try JSONParser.parse(runCLI(["mirror", "ls", "--json"], home: home).output).arrayValue)
            #expect(entries.count == 2)
            #expect(entries.first?["policy"]?["all"]?.boolValue == true && entries.first?["policy"]?["minHolders"]?.numberValue == 3)
            #expect(entries.last?["policy"]?["tag"]?.stringValue == "timber" && entries.last?["policy"]?["minHolders"]?.numberValue == 2)
            #expect(runCLI(["mirror", "ls"], home: home).output.contains("--all --min-holders 3 --quota 20000000000"))
            for bad in ["0", "-1", "many", "1001"] {
                #expect(runCLI(["mirror", "add", "--min-holders", bad], home: home).status == ExitCode.usage, "\(bad)")
            }
        }
    }
}
