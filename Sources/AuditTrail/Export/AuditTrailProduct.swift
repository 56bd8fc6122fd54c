/// The product's name and version, as exports, SIEM formats and the server's home page name it.
public enum AuditTrailProduct {
    public static let name = "AuditTrail"
    /// Who makes it (CEF's device vendor, OCSF's `vendor_name`).
    public static let vendor = "AuditTrail"
    public static let version = "0.8.0"
}
