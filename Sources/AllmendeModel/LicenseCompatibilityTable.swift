// LicenseCompatibilityTable.swift: AllmendeModel. Protocol/licenses/compatibility.tsv, embedded by
// Scripts/embed-compatibility-table.py. Do not edit by hand: edit the table and run the script.

enum LicenseCompatibilityTable {
    static let text = #"""
# Licence compatibility of derivatives: may a package derived from a PARENT licensed one way be published under
# a CHILD licence? The rules that read this table are in Protocol/manifest.md "Licence compatibility of
# derivatives". Tab-separated; '#' starts a comment line. Every row names its source: the licence text (section)
# and where to read it, or its steward's FAQ. This is guidance for publishers, not legal advice.
# Sources/AllmendeModel/LicenseCompatibilityTable.swift embeds this file byte for byte (a test keeps them equal;
# Scripts/embed-compatibility-table.py writes it).
#
# class	LICENCE	CLASS	SOURCE
#   public-domain             no conditions a derivative must keep
#   permissive                attribution and notices only; any licence for the derivative
#   weak-reciprocal           the parent's own files (or covered source) stay under it; the rest may differ
#   reciprocal                a derivative must be under the same licence or one this table names compatible
#   non-commercial            the parent forbids commercial use: its parts keep that restriction (flagged)
#   non-commercial-reciprocal non-commercial and share-alike: only the same licence
#   no-derivatives            adapted material may not be shared at all
# pair	PARENT	CHILD	VERDICT	SOURCE	NOTE
#   VERDICT: compatible, depends (allowed in some uses: a warning) or incompatible (publish refuses)
# exception	EXCEPTION	EFFECT	SOURCE
#   linking: the exception lets other work be combined without the reciprocal terms (an incompatible verdict
#   becomes depends: a modified parent itself still needs the parent's licence)
#
# Licences (the ones open hardware uses most: OSHWA certifications, the OKH/LOSH crawl, Wikifactory, GitHub).
class	CERN-OHL-P-2.0	permissive	CERN-OHL-P-2.0 §3-4 https://spdx.org/licenses/CERN-OHL-P-2.0.html
class	CERN-OHL-W-2.0	weak-reciprocal	CERN-OHL-W-2.0 §1.2, §4, §8 (External Material) https://spdx.org/licenses/CERN-OHL-W-2.0.html
class	CERN-OHL-S-2.0	reciprocal	CERN-OHL-S-2.0 §1.2, §3.3, §4 https://spdx.org/licenses/CERN-OHL-S-2.0.html
class	CERN-OHL-1.2	reciprocal	CERN OHL v1.2 §3-4 https://spdx.org/licenses/CERN-OHL-1.2.html
class	CERN-OHL-1.1	reciprocal	CERN OHL v1.1 §3-4 https://spdx.org/licenses/CERN-OHL-1.1.html
class	TAPR-OHL-1.0	reciprocal	TAPR OHL 1.0 §3-4 https://spdx.org/licenses/TAPR-OHL-1.0.html
class	SHL-0.51	permissive	Solderpad Hardware License 0.51 §4 https://spdx.org/licenses/SHL-0.51.html
class	SHL-0.5	permissive	Solderpad Hardware License 0.5 §4 https://spdx.org/licenses/SHL-0.5.html
class	CC0-1.0	public-domain	CC0 1.0 §2-3 https://spdx.org/licenses/CC0-1.0.html
class	Unlicense	public-domain	The Unlicense https://spdx.org/licenses/Unlicense.html
class	CC-BY-4.0	permissive	CC BY 4.0 §3(a), §3(b) https://spdx.org/licenses/CC-BY-4.0.html
class	CC-BY-3.0	permissive	CC BY 3.0 §4(b) https://spdx.org/licenses/CC-BY-3.0.html
class	CC-BY-SA-4.0	reciprocal	CC BY-SA 4.0 §3(b) https://spdx.org/licenses/CC-BY-SA-4.0.html
class	CC-BY-SA-3.0	reciprocal	CC BY-SA 3.0 §4(b) https://spdx.org/licenses/CC-BY-SA-3.0.html
class	CC-BY-NC-4.0	non-commercial	CC BY-NC 4.0 §1(i), §2(a)(1) https://spdx.org/licenses/CC-BY-NC-4.0.html
class	CC-BY-NC-3.0	non-commercial	CC BY-NC 3.0 §4(b) https://spdx.org/licenses/CC-BY-NC-3.0.html
class	CC-BY-NC-SA-4.0	non-commercial-reciprocal	CC BY-NC-SA 4.0 §3(b) https://spdx.org/licenses/CC-BY-NC-SA-4.0.html
class	CC-BY-NC-SA-3.0	non-commercial-reciprocal	CC BY-NC-SA 3.0 §4(b)-(c) https://spdx.org/licenses/CC-BY-NC-SA-3.0.html
class	CC-BY-ND-4.0	no-derivatives	CC BY-ND 4.0 §2(a)(1)(B) https://spdx.org/licenses/CC-BY-ND-4.0.html
class	CC-BY-ND-3.0	no-derivatives	CC BY-ND 3.0 §3 https://spdx.org/licenses/CC-BY-ND-3.0.html
class	CC-BY-NC-ND-4.0	no-derivatives	CC BY-NC-ND 4.0 §2(a)(1)(B) https://spdx.org/licenses/CC-BY-NC-ND-4.0.html
class	MIT	permissive	MIT License https://spdx.org/licenses/MIT.html
class	MIT-0	public-domain	MIT No Attribution https://spdx.org/licenses/MIT-0.html
class	0BSD	public-domain	BSD Zero Clause License https://spdx.org/licenses/0BSD.html
class	BSD-2-Clause	permissive	BSD 2-Clause License https://spdx.org/licenses/BSD-2-Clause.html
class	BSD-3-Clause	permissive	BSD 3-Clause License https://spdx.org/licenses/BSD-3-Clause.html
class	ISC	permissive	ISC License https://spdx.org/licenses/ISC.html
class	Zlib	permissive	zlib License https://spdx.org/licenses/Zlib.html
class	Apache-2.0	permissive	Apache License 2.0 §4 https://spdx.org/licenses/Apache-2.0.html
class	OFL-1.1	weak-reciprocal	SIL Open Font License 1.1, conditions 1-5 https://spdx.org/licenses/OFL-1.1.html
class	MPL-2.0	weak-reciprocal	MPL 2.0 §3.1-3.3 https://www.mozilla.org/en-US/MPL/2.0/FAQ/
class	EPL-2.0	weak-reciprocal	EPL 2.0 §3 https://spdx.org/licenses/EPL-2.0.html
class	LGPL-2.1-only	weak-reciprocal	LGPL 2.1 §2, §6 https://spdx.org/licenses/LGPL-2.1-only.html
class	LGPL-2.1-or-later	weak-reciprocal	LGPL 2.1 §2, §6, §13 https://spdx.org/licenses/LGPL-2.1-or-later.html
class	LGPL-3.0-only	weak-reciprocal	LGPL 3.0 §2-4 https://spdx.org/licenses/LGPL-3.0-only.html
class	LGPL-3.0-or-later	weak-reciprocal	LGPL 3.0 §2-4, §6 https://spdx.org/licenses/LGPL-3.0-or-later.html
class	GPL-2.0-only	reciprocal	GPL 2.0 §2(b) https://spdx.org/licenses/GPL-2.0-only.html
class	GPL-2.0-or-later	reciprocal	GPL 2.0 §2(b), §9 https://spdx.org/licenses/GPL-2.0-or-later.html
class	GPL-3.0-only	reciprocal	GPL 3.0 §5(c) https://spdx.org/licenses/GPL-3.0-only.html
class	GPL-3.0-or-later	reciprocal	GPL 3.0 §5(c), §14 https://spdx.org/licenses/GPL-3.0-or-later.html
class	AGPL-3.0-only	reciprocal	AGPL 3.0 §5(c), §13 https://spdx.org/licenses/AGPL-3.0-only.html
class	AGPL-3.0-or-later	reciprocal	AGPL 3.0 §5(c), §13, §14 https://spdx.org/licenses/AGPL-3.0-or-later.html
class	LAL-1.3	reciprocal	Free Art License 1.3 §2.3, §5 https://spdx.org/licenses/LAL-1.3.html
#
# Pairs: what the licences' own texts or their stewards say beyond the class rules.
pair	CERN-OHL-W-2.0	CERN-OHL-S-2.0	compatible	CERN-OHL-W-2.0 §1.2(b): any version of CERN-OHL-S is a Compatible Licence https://spdx.org/licenses/CERN-OHL-W-2.0.html	covered source may be conveyed under CERN-OHL-S
pair	CERN-OHL-S-2.0	CERN-OHL-W-2.0	incompatible	CERN-OHL-S-2.0 §1.2, §3.3: Compatible Licences are earlier CERN OHL versions and versions of CERN-OHL-S only https://spdx.org/licenses/CERN-OHL-S-2.0.html	a derivative of strongly reciprocal source must stay CERN-OHL-S
pair	CERN-OHL-S-2.0	CERN-OHL-P-2.0	incompatible	CERN-OHL-S-2.0 §3.3, §4.1 https://spdx.org/licenses/CERN-OHL-S-2.0.html	modified source must be licensed under CERN-OHL-S
pair	CERN-OHL-1.2	CERN-OHL-S-2.0	depends	CERN-OHL-S-2.0 §1.2(a) counts earlier CERN OHL versions as Compatible Licences; v1.2 §3-4 governs what its own licensee may do https://spdx.org/licenses/CERN-OHL-1.2.html	keep the v1.2 parts' notices; check that the v1.2 licensor allows later versions
pair	CERN-OHL-1.1	CERN-OHL-S-2.0	depends	CERN-OHL-S-2.0 §1.2(a) https://spdx.org/licenses/CERN-OHL-1.1.html	as for CERN-OHL-1.2
pair	CERN-OHL-1.2	CERN-OHL-W-2.0	depends	CERN-OHL-W-2.0 §1.2(a) https://spdx.org/licenses/CERN-OHL-W-2.0.html	as for CERN-OHL-S-2.0
pair	CC-BY-SA-4.0	GPL-3.0-only	compatible	Creative Commons, BY-SA compatible licenses (GPLv3, one-way, since 2015-10-08) https://creativecommons.org/share-your-work/licensing-considerations/compatible-licenses/	the adapter's contribution may be GPLv3; the BY-SA part's attribution stays
pair	CC-BY-SA-4.0	GPL-3.0-or-later	compatible	Creative Commons, BY-SA compatible licenses https://creativecommons.org/share-your-work/licensing-considerations/compatible-licenses/	one-way: a GPL parent cannot become BY-SA
pair	CC-BY-SA-4.0	LAL-1.3	compatible	Creative Commons, BY-SA compatible licenses (Free Art License 1.3) https://creativecommons.org/share-your-work/licensing-considerations/compatible-licenses/	two-way compatibility declared by CC and Copyleft Attitude
pair	LAL-1.3	CC-BY-SA-4.0	compatible	Free Art License 1.3 §5 and CC's declaration https://creativecommons.org/share-your-work/licensing-considerations/compatible-licenses/	two-way
pair	CC-BY-SA-4.0	CERN-OHL-S-2.0	incompatible	CC BY-SA 4.0 §3(b)(1): the same licence, a later version or a BY-SA Compatible License; CERN-OHL-S is not on CC's list https://creativecommons.org/share-your-work/licensing-considerations/compatible-licenses/	license the adaptation CC-BY-SA-4.0 (or dual: CC-BY-SA-4.0 AND CERN-OHL-S-2.0 for your own parts)
pair	CC-BY-SA-4.0	CC-BY-4.0	incompatible	CC BY-SA 4.0 §3(b)(1) https://spdx.org/licenses/CC-BY-SA-4.0.html	share-alike: an adaptation may not drop the SA condition
pair	CC-BY-SA-4.0	CC-BY-SA-3.0	incompatible	CC BY-SA 4.0 §3(b)(1): a later version, not an earlier one https://spdx.org/licenses/CC-BY-SA-4.0.html	
pair	CC-BY-SA-3.0	CC-BY-SA-4.0	compatible	CC BY-SA 3.0 §4(b): a later version of this licence with the same elements https://spdx.org/licenses/CC-BY-SA-3.0.html	
pair	CC-BY-NC-SA-3.0	CC-BY-NC-SA-4.0	compatible	CC BY-NC-SA 3.0 §4(c): a later version with the same elements https://spdx.org/licenses/CC-BY-NC-SA-3.0.html	still not open hardware
pair	GPL-2.0-only	GPL-3.0-only	incompatible	FSF, GPL FAQ: GPLv2-only code cannot be relicensed under GPLv3 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	GPL-2.0-only	GPL-2.0-or-later	incompatible	GPL 2.0 §6, §9: the licensee cannot offer versions the licensor did not https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	publish the derivative GPL-2.0-only
pair	GPL-2.0-or-later	GPL-2.0-only	compatible	GPL 2.0 §9 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	GPL-2.0-or-later	GPL-3.0-only	compatible	GPL 2.0 §9: "any later version" https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	GPL-2.0-or-later	GPL-3.0-or-later	compatible	GPL 2.0 §9 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	GPL-3.0-or-later	GPL-3.0-only	compatible	GPL 3.0 §14 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	GPL-3.0-only	AGPL-3.0-only	depends	GPL 3.0 §13: may be combined with AGPLv3 work; the GPL part keeps GPLv3 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	combined work, not relicensing
pair	GPL-3.0-or-later	AGPL-3.0-or-later	depends	GPL 3.0 §13 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	combined work, not relicensing
pair	AGPL-3.0-only	GPL-3.0-only	incompatible	AGPL 3.0 §13: the network interaction terms must be kept https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	LGPL-2.1-only	GPL-2.0-only	compatible	LGPL 2.1 §3: the ordinary GPL version 2 (or later) may be applied instead https://spdx.org/licenses/LGPL-2.1-only.html	
pair	LGPL-2.1-only	GPL-3.0-only	compatible	LGPL 2.1 §3 (a newer GPL version may be specified) https://spdx.org/licenses/LGPL-2.1-only.html	
pair	LGPL-2.1-or-later	LGPL-3.0-or-later	compatible	LGPL 2.1 §13 https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	LGPL-3.0-only	GPL-3.0-only	compatible	LGPL 3.0 (GPLv3 plus additional permissions) and GPL 3.0 §7: additional permissions may be removed https://www.gnu.org/licenses/gpl-faq.html#AllCompatibility	
pair	MPL-2.0	GPL-2.0-or-later	compatible	MPL 2.0 §3.3 (Secondary Licenses), unless marked "Incompatible With Secondary Licenses" https://www.mozilla.org/en-US/MPL/2.0/FAQ/	
pair	MPL-2.0	GPL-3.0-only	compatible	MPL 2.0 §1.12, §3.3 https://www.mozilla.org/en-US/MPL/2.0/FAQ/	
pair	MPL-2.0	GPL-3.0-or-later	compatible	MPL 2.0 §1.12, §3.3 https://www.mozilla.org/en-US/MPL/2.0/FAQ/	
pair	MPL-2.0	LGPL-2.1-or-later	compatible	MPL 2.0 §1.12, §3.3 https://www.mozilla.org/en-US/MPL/2.0/FAQ/	
pair	MPL-2.0	AGPL-3.0-or-later	compatible	MPL 2.0 §1.12, §3.3 https://www.mozilla.org/en-US/MPL/2.0/FAQ/	
pair	Apache-2.0	GPL-2.0-only	incompatible	FSF license list (Apache 2.0: patent termination and indemnification terms) and the ASF https://www.apache.org/licenses/GPL-compatibility.html	GPLv3 is compatible
pair	Apache-2.0	GPL-3.0-only	compatible	ASF, GPL compatibility https://www.apache.org/licenses/GPL-compatibility.html	
pair	Apache-2.0	GPL-3.0-or-later	compatible	ASF, GPL compatibility https://www.apache.org/licenses/GPL-compatibility.html	
pair	CC-BY-NC-4.0	CC-BY-NC-SA-4.0	compatible	CC BY-NC 4.0 §3(a)(4): the adapter's licence must not stop recipients complying; NC stays https://spdx.org/licenses/CC-BY-NC-4.0.html	still not open hardware
#
# Exceptions (SPDX WITH).
exception	Classpath-exception-2.0	linking	GNU Classpath exception https://spdx.org/licenses/Classpath-exception-2.0.html
exception	GCC-exception-3.1	linking	GCC Runtime Library exception 3.1 https://spdx.org/licenses/GCC-exception-3.1.html
exception	LLVM-exception	linking	LLVM exception (GPLv2 compatibility of Apache-2.0 code) https://spdx.org/licenses/LLVM-exception.html
exception	GPL-3.0-linking-exception	linking	GPL-3.0 linking exception https://spdx.org/licenses/GPL-3.0-linking-exception.html
exception	LGPL-3.0-linking-exception	linking	LGPL-3.0 linking exception https://spdx.org/licenses/LGPL-3.0-linking-exception.html
exception	Font-exception-2.0	linking	Font exception 2.0 (embedding fonts in documents) https://spdx.org/licenses/Font-exception-2.0.html
exception	eCos-exception-2.0	linking	eCos exception 2.0 https://spdx.org/licenses/eCos-exception-2.0.html
"""#
}
