// JSONEverywhereTests.swift: every command with --json prints JSON: its result on standard output, or its error
// as {"code", "error"} on standard error.

import AllmendeCLI
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("--json everywhere")
struct JSONEverywhereTests {
    @Test("every command's --json output parses (results on stdout, errors on stderr)")
    func everyCommand() throws {
        try withTempDirectory("json") { folder throws in
            let home = folder.file("home")
            let published = runCLI(["publish", Repository.root + "/Examples/packages/timber-wall-block", "--json"], home: home)
            let id = try JSONParser.parse(Array(published.output.utf8))["package"]?.stringValue ?? ""
            _ = try folder.write("note.txt", text: "a note\n")
            let blob = try JSONParser.parse(Array(runCLI(["store", "add", folder.file("note.txt"), "--json"], home: home).output.utf8))
            let blobID = blob["id"]?.stringValue ?? blob["sha256"]?.stringValue ?? blob["blob"]?.stringValue ?? "0000"
            _ = try folder.write("draft/part.txt", text: "part\n")
            // Every command but `daemon` and `demo` (long-running), with arguments that make it do its work.
            let commands: [[String]] = [
                ["init"], ["id"], ["new", folder.file("draft"), "--license", "CC0-1.0"], ["publish", "--check", folder.file("draft")],
                ["ls"], ["search", "timber"], ["show", id], ["holders", id], ["verify", id], ["export", id, "--to", folder.file("out")], ["bom", id],
                ["okh", id], ["attest", id, "--note", "built it"], ["retract", id, "--reason", "superseded"], ["lab", "show"],
                ["lab", "init"], ["status"], ["fetch", id], ["peers", "add", "127.0.0.1:9"], ["peers", "ls"], ["peers", "rm", "127.0.0.1:9"],
                ["mirror", "add", "--tag", "timber"], ["mirror", "ls"], ["mirror", "rm", "1"], ["hash", folder.file("note.txt")],
                ["store", "ls"], ["store", "cat", blobID], ["fsck"], ["gc", "--dry-run"], ["rm", id, "--keep-files"], ["store", "rm", blobID],
            ]
            for command in commands {
                let run = runCLI(command + ["--json"], home: home)
                let text = run.status == 0 ? run.output : run.error
                let lines = text.split(separator: "\n").map(String.init)
                #expect(!lines.isEmpty, "\(command.joined(separator: " ")) --json printed nothing (exit \(run.status))")
                for line in lines {
                    let parsed = try? JSONParser.parse(Array(line.utf8))
                    #expect(parsed != nil, "\(command.joined(separator: " ")) --json printed: \(line.prefix(120))")
                    if run.status != 0 { #expect(parsed?["error"]?.stringValue != nil && parsed?["code"] != nil) }
                }
            }
        }
    }
}
