// HashCommand.swift: AllmendeCLI. `hash FILE…`: SHA-256 lines exactly as `sha256sum` prints them.

import AllmendeCrypto
import AllmendeSystem
import CanonicalJSON

enum HashCommand {
    static let spec = CommandSpec(
        name: "hash",
        summary: "print the SHA-256 (content ID) of files, as sha256sum does",
        discussion: """
        Prints one line per FILE in sha256sum's format: 64 hex digits, two spaces, the name. The hex is the
        content ID a file gets in the store. With no FILE, or when FILE is -, reads standard input.
        """,
        arguments: ArgumentsSpec(display: "[FILE…]", minimum: 0, maximum: .max),
        epilogue: "example: allmende hash drawing.svg cutting-plan.dxf",
        run: { context in
            let files = context.arguments.positional.isEmpty ? ["-"] : context.arguments.positional
            var failed = false
            var entries: [JSONValue] = []
            for file in files {
                do {
                    let id = try sha256(of: file)
                    if context.isJSON {
                        entries.append(["file": .string(file), "sha256": .string(id.hex)])
                    } else {
                        context.console.line(sha256sumLine(id: id, name: file))
                    }
                } catch let error as SystemError {
                    failed = true
                    context.console.errorLine("error: \(error)")
                    if context.isJSON { entries.append(["file": .string(file), "error": .string(error.description)]) }
                }
            }
            if context.isJSON { context.printJSON(.array(entries)) }
            return failed ? ExitCode.failure : ExitCode.success
        }
    )

    /// Streams a file (or standard input for "-") through SHA-256 in 1 MiB reads.
    static func sha256(of file: String) throws(SystemError) -> ContentID {
        let descriptor = file == "-" ? FileDescriptor.standardInput : try FileDescriptor.openForReading(file)
        defer { if file != "-" { descriptor.close() } }
        if try descriptor.status().st_mode & S_IFMT == S_IFDIR {
            throw SystemError(operation: "read", path: file, errno: EISDIR)
        }
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count = try descriptor.read(into: buffer)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hasher.finalize()
    }

    /// One line as GNU sha256sum writes it, escaping backslash, newline and carriage return in names.
    static func sha256sumLine(id: ContentID, name: String) -> String {
        let scalars = name.unicodeScalars
        guard scalars.contains(where: { $0 == "\\" || $0 == "\n" || $0 == "\r" }) else { return id.hex + "  " + name }
        var escaped = ""
        for scalar in scalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\\" + id.hex + "  " + escaped
    }
}

#if canImport(Glibc)
import Glibc
#endif
