// IPAddressText.swift: AllmendeSystem. Whether a text is an IP address literal, as the kernel reads one.

#if canImport(Glibc)
import Glibc
#endif

public enum IPAddressText {
    /// True for an IPv4 dotted quad ("192.0.2.10") or an IPv6 address ("2001:db8::10", "::ffff:192.0.2.10"),
    /// without brackets, port or zone.
    public static func isLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
