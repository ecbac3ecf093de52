// BinaryTests.swift: the built `allmende` binary as a user runs it: exit codes, crashes, concurrent processes.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("allmende binary")
struct BinaryTests {
    @Test("exit codes and streams of the real binary")
    func exitCodes() throws {
        try withTempDirectory("bin") { folder throws in
            let home = folder.file("home")
            let help = try runBinary(["--help"], home: home)
            #expect(help.status == 0)
            #expect(help.standardOutput.hasPrefix("usage: allmende"))
            let unknown = try runBinary(["frobnicate"], home: home)
            #expect(unknown.status == 2)
            #expect(unknown.standardOutput.isEmpty)
            #expect(unknown.standardError.hasPrefix("error: unknown command 'frobnicate'\n"))
            let missing = try runBinary(["store", "add", folder.file("nope.dxf")], home: home)
            #expect(missing.status == 1)
            #expect(missing.standardError.contains("nope.dxf"))
            let initialised = try runBinary(["init"], home: home)
            #expect(initialised.status == 0)
            let stdin = try runBinary(["store", "add", "-"], home: home, input: Array("from a pipe".utf8))
            #expect(stdin.standardOutput == SHA256Hasher.hash(Array("from a pipe".utf8)).hex + "  -\n")
            #expect(stdin.standardError.isEmpty)   // no progress bar in a pipe
        }
    }

    @Test("allmende demo runs three nodes through publish, gossip, mirror, fetch, verify and a bundle to an offline lab, and cleans up")
    func demo() throws {
        var environment = ProcessInfo.processInfo.environment
        let temporary = try TempDirectory("demo")
        defer { temporary.remove() }
        environment["TMPDIR"] = temporary.path
        let run = try ProcessRunner.run(Repository.allmendeBinary, ["demo", "--examples", Repository.root + "/Examples"], environment: environment)
        #expect(run.status == 0, "\(run.standardError)")
        for step in ["4. node 3's catalog has all 3 entries", "5. node 2 mirrored", "6. node 3 fetched \"Garden studio", "7. node 3 verified it",
                     "8. node 3 wrote it into a bundle file", "9. each node published its lab's profile",
                     "✓ Holzbau-Manufaktur Lüneburg", "✗ Reparatur-Café Kreuzberg", "10. stopped the three nodes and removed their home folders"] {
            #expect(run.standardOutput.contains(step), "missing: \(step)")
        }
        #expect(try FileSystem.contentsOfDirectory(temporary.path).isEmpty)
    }

    @Test("two processes adding the same file at once both succeed")
    func concurrentProcesses() throws {
        try withTempDirectory("bin") { folder throws in
            let home = folder.file("home")
            let data = pseudoRandomBytes(count: 9 * ChunkIndex.defaultChunkSize + 3, seed: 21)
            let path = try folder.write("shared.step", data)
            let outputs = LockedList<ProcessOutput?>()
            let group = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: group) { outputs.append(try? runBinary(["store", "add", path], home: home)) }
            }
            group.wait()
            let results = outputs.all
            #expect(results.count == 2)
            for result in results {
                #expect(result?.status == 0)
                #expect(result?.standardOutput == SHA256Hasher.hash(data).hex + "  " + path + "\n")
            }
            let fsck = try runBinary(["fsck"], home: home)
            #expect(fsck.status == 0)
            #expect(fsck.standardOutput == "checked 1 blobs (9.0 MiB): no problems\n")
        }
    }

    @Test("a write that fails half way (file size limit) leaves no blob and no temporary file")
    func failedWrite() throws {
        try withTempDirectory("bin") { folder throws in
            let home = folder.file("home")
            let path = try folder.write("big.bin", pseudoRandomBytes(count: 4 * ChunkIndex.defaultChunkSize, seed: 2))
            // ulimit -f counts 1 KiB blocks: the store may write 1 MiB, then write(2) fails with EFBIG.
            let script = "trap '' XFSZ; ulimit -f 1024; exec \"$0\" store add \"$1\""
            var environment = ProcessInfo.processInfo.environment
            environment["ALLMENDE_HOME"] = home
            let result = try ProcessRunner.run("sh", ["-c", script, Repository.allmendeBinary, path], environment: environment)
            #expect(result.status == 1)
            #expect(result.standardError.hasPrefix("error: \(path): write"))
            #expect(result.standardOutput.isEmpty)
            #expect(try FileSystem.contentsOfDirectory(home + "/store/tmp").isEmpty)
            #expect(try runBinary(["store", "ls"], home: home).standardOutput.isEmpty)
            #expect(try runBinary(["fsck"], home: home).status == 0)
        }
    }

    @Test("a process killed mid-write leaves a temporary file that is ignored and then cleaned")
    func killedMidWrite() throws {
        try withTempDirectory("bin") { folder throws in
            let home = folder.file("home")
            #expect(try runBinary(["init"], home: home).status == 0)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
            process.arguments = ["store", "add", "-"]
            var environment = ProcessInfo.processInfo.environment
            environment["ALLMENDE_HOME"] = home
            process.environment = environment
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Feed 3 MiB and keep the pipe open, so the writer is stuck mid-blob.
            input.fileHandleForWriting.write(Data(pseudoRandomBytes(count: 3 * ChunkIndex.defaultChunkSize, seed: 4)))
            let temporaryFolder = home + "/store/tmp"
            let deadline = ContinuousClock.now + .seconds(20)
            var temporaryFile: String?
            while temporaryFile == nil && ContinuousClock.now < deadline {
                if let name = try FileSystem.contentsOfDirectory(temporaryFolder).first,
                   (try? FileSystem.size(of: temporaryFolder + "/" + name)) ?? 0 >= 2 * ChunkIndex.defaultChunkSize {
                    temporaryFile = temporaryFolder + "/" + name
                } else {
                    usleep(10_000)   // waiting on another process's progress: there is no event to wait for
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? input.fileHandleForWriting.close()
            let leftover = try #require(temporaryFile)
            #expect(FileSystem.exists(leftover))
            // The half-written blob is never listed, and the next process cleans it up.
            let list = try runBinary(["store", "ls"], home: home)
            #expect(list.status == 0)
            #expect(list.standardOutput.isEmpty)
            #expect(!FileSystem.exists(leftover))
            #expect(try runBinary(["fsck"], home: home).status == 0)
        }
    }
}
