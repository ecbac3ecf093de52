// StopSignals.swift: AllmendeCLI. SIGINT and SIGTERM as events instead of the end of the process, for commands
// that stop cleanly (the daemon, the demo's running nodes).

import Dispatch
import Glibc

enum StopSignals {
    /// Calls `handler` (on a queue of its own) whenever SIGINT or SIGTERM arrives; the returned closure stops
    /// watching. The signals stay ignored afterwards: the caller is on its way out.
    static func watch(_ handler: @escaping @Sendable () -> Void) -> () -> Void {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "allmende-stop-signals")
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
        return { sources.forEach { $0.cancel() } }
    }
}
