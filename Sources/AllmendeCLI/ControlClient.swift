// ControlClient.swift: AllmendeCLI. Talking to a running daemon over its control socket.

import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

/// One request to the daemon of a home folder, with its JSON-line answers.
struct ControlClient {
    let home: NodeHome

    /// True if a daemon answers on the control socket.
    var isDaemonRunning: Bool {
        guard let socket = try? UnixSocket.connect(to: ControlServer.socketPath(home)) else { return false }
        socket.close()
        return true
    }

    /// Asks a running daemon (if any) to re-read config.json; returns true if one did.
    @discardableResult
    func reloadIfRunning() -> Bool {
        guard isDaemonRunning else { return false }
        return (try? send(["command": "reload"]) { _ throws(CLIError) in false }) != nil
    }

    /// Sends `request` and calls `handle` for every answer line until the daemon closes or `handle` returns false.
    func send(_ request: JSONValue, handle: (JSONValue) throws(CLIError) -> Bool) throws(CLIError) {
        let socket: Socket
        do { socket = try UnixSocket.connect(to: ControlServer.socketPath(home)) } catch {
            throw .failure("no daemon is running for \(home.path); start one with 'allmende daemon'")
        }
        defer { socket.close() }
        var channel = LineChannel(socket: socket)
        do { try channel.writeLine(try CanonicalEncoder.string(request)) } catch { throw .failure("cannot talk to the daemon: \(error)") }
        while true {
            let line: String?
            do { line = try channel.readLine() } catch { throw .failure("lost the daemon: \(error)") }
            guard let line else { throw .failure("the daemon closed the connection before answering (did it stop?)") }
            guard let value = try? JSONParser.parse(line) else { throw .failure("the daemon sent something that is not JSON") }
            if value["event"]?.stringValue == "error" { throw .failure(value["message"]?.stringValue ?? "the daemon reported an error") }
            if !(try handle(value)) { return }
        }
    }
}
