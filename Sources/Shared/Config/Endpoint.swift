extension ClusterConfig {
    /// A ZeroMQ endpoint as cluster.yaml writes it: `tcp://HOST:PORT` (HOST an IPv4 address,
    /// a host or interface name, `[IPv6]`, or `*` for every interface; PORT a number or `*`
    /// for any free port, which the coordinator writes to RUN/coordinator.endpoint) or
    /// `ipc:///absolute/path`.
    public enum Endpoint: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// port 0 stands for `*`: any free port.
        case tcp(host: String, port: Int)
        case ipc(path: String)

        /// Longest ipc path: the size of `sockaddr_un.sun_path` on Linux, less the final NUL.
        public static let maxIPCPathBytes = 107

        /// Parses an endpoint; the error says what form is expected.
        public init(parsing text: String) throws(ConfigSyntaxError) {
            let form = "tcp://HOST:PORT (HOST an address, a host name or *) or ipc:///absolute/path"
            if text.hasPrefix("ipc://") {
                let path = String(text.dropFirst("ipc://".count))
                guard path.hasPrefix("/"), path.count > 1 else {
                    throw ConfigSyntaxError("\"\(text)\": an ipc endpoint needs an absolute path, e.g. ipc:///tmp/ultraad.sock")
                }
                guard path.utf8.count <= Self.maxIPCPathBytes else {
                    throw ConfigSyntaxError("\"\(text)\": the ipc path is \(path.utf8.count) bytes; at most \(Self.maxIPCPathBytes) fit in a Unix socket address")
                }
                self = .ipc(path: path)
                return
            }
            guard text.hasPrefix("tcp://") else {
                throw ConfigSyntaxError("\"\(text)\" is not an endpoint; write \(form)")
            }
            let rest = text.dropFirst("tcp://".count)
            guard let colon = rest.lastIndex(of: ":") else {
                throw ConfigSyntaxError("\"\(text)\" has no port; write \(form)")
            }
            let host = String(rest[..<colon]), portText = rest[rest.index(after: colon)...]
            guard Self.isValidHost(host) else {
                throw ConfigSyntaxError("\"\(text)\": host \"\(host)\" must be *, an IPv4 address, [an IPv6 address] or a host name")
            }
            if portText == "*" {
                self = .tcp(host: host, port: 0)
                return
            }
            guard let port = Int(portText), (1...65535).contains(port), portText.allSatisfy(\.isASCII) else {
                throw ConfigSyntaxError("\"\(text)\": port \"\(portText)\" must be a number from 1 to 65535, or * for any free port")
            }
            self = .tcp(host: host, port: port)
        }

        /// `*`, dotted-quad IPv4, bracketed IPv6, or a DNS/interface name.
        static func isValidHost(_ host: String) -> Bool {
            if host == "*" { return true }
            if host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2 {
                return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            if labels.allSatisfy(Self.isDecimal) {
                return labels.count == 4 && labels.allSatisfy { $0.count <= 3 && (Int($0) ?? 256) <= 255 }
            }
            return !host.isEmpty && host.count <= 253 && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            }
        }

        static func isDecimal(_ s: Substring) -> Bool {
            !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber }
        }

        /// True when only this host can reach the endpoint: ipc, 127.0.0.0/8, ::1 or localhost.
        public var isLoopback: Bool {
            switch self {
            case .ipc: return true
            case let .tcp(host, _):
                let labels = host.split(separator: ".", omittingEmptySubsequences: false)
                let ipv4Loopback = labels.count == 4 && labels[0] == "127" && labels.allSatisfy(Self.isDecimal)
                return host == "localhost" || host == "[::1]" || ipv4Loopback
            }
        }

        /// The address as ZeroMQ takes it.
        public var description: String {
            switch self {
            case let .tcp(host, port): return "tcp://\(host):\(port == 0 ? "*" : String(port))"
            case let .ipc(path): return "ipc://\(path)"
            }
        }
    }
}
