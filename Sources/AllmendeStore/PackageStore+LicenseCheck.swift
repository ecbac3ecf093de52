// PackageStore+LicenseCheck.swift: AllmendeStore. At publish, a derivative's licence against each parent's,
// by the table in Protocol/licenses/compatibility.tsv (LicenseCompatibility). Spec: Protocol/manifest.md
// "Licence compatibility of derivatives".

import AllmendeCrypto
import AllmendeModel

extension PackageStore {
    /// The licence of `package` as this node knows it: from its stored manifest, else from its catalog listing.
    func knownLicense(of package: ContentID) -> (title: String, license: SPDXExpression)? {
        if let manifest = try? manifest(package) { return (manifest.info.title, manifest.info.license) }
        guard let listing = catalogListing(package), let license = try? SPDXExpression(parsing: listing.summary.license) else { return nil }
        return (listing.summary.title, license)
    }

    /// Compares `info.license` with each parent's: refuses an incompatible one unless `allowIncompatible` gives a
    /// reason (then recorded as that parent's `licenseNote`), warns where it depends on use or the parent is not
    /// known here. Returns the warnings.
    func checkDerivativeLicenses(_ info: inout DesignInfo, allowIncompatible: String?) throws(StoreError) -> [String] {
        var warnings: [String] = []
        var refused: [CompatibilityFinding] = []
        for index in info.derivedFrom.indices {
            let parent = info.derivedFrom[index]
            // A note written into the draft by hand is not an override: only --allow-incompatible records one.
            info.derivedFrom[index].licenseNote = nil
            guard let known = knownLicense(of: parent.package) else {
                warnings.append("parent package \(parent.package.shortHex()) is not known here (neither stored nor in the catalog); "
                                + "its licence was not compared")
                continue
            }
            let findings = LicenseCompatibility.shipped.findings(parent: known.license, child: info.license)
            switch LicenseCompatibility.worst(findings) {
            case .compatible:
                continue
            case .depends:
                for finding in findings where finding.verdict == .depends {
                    warnings.append("parent '\(known.title)' (\(known.license)): \(finding.rule) [source: \(finding.source)]")
                }
            case .incompatible:
                let bad = findings.filter { $0.verdict == .incompatible }
                guard let reason = allowIncompatible else {
                    refused += bad
                    continue
                }
                let rules = bad.map { "\($0.parent) → \($0.child): \($0.rule) [\($0.source)]" }.joined(separator: "; ")
                info.derivedFrom[index].licenseNote = String("published despite the licence compatibility table (\(rules)); the publisher's reason: \(reason)".prefix(4000))
                warnings.append("parent '\(known.title)': published although \(known.license) does not allow \(info.license); your reason is recorded in the manifest")
            }
        }
        if !refused.isEmpty { throw .licenseIncompatible(refused) }
        return warnings
    }
}
