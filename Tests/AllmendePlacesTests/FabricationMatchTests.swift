// FabricationMatchTests.swift: a design's needs held against lab profiles — every verdict with its reason, and
// the order makers see (builds, coverage, distance, access).

import AllmendeCrypto
import AllmendeModel
import AllmendePlaces
import Testing

@Suite struct FabricationMatchTests {
    static let wallBlock = FabricationNeed(process: .cncRouting, part: "panels", size: Millimetres([2440, 1220]), material: "plywood",
                                           thickness: DecimalAmount(parsing: "18"))

    static func lab(_ name: String, equipment: [Equipment] = [], processes: [ManufacturingProcess] = [], access: AccessType? = nil,
                    materials: [String] = [], status: FacilityStatus = .active) throws -> LabProfile {
        var profile = LabProfile(identity: NodeID(publicKey: try Ed25519PrivateKey().publicKey), time: Timestamp(secondsSinceEpoch: 1_800_000_000), name: name)
        profile.equipment = equipment
        profile.manufacturingProcesses = processes
        profile.accessType = access
        profile.typicalMaterials = materials
        profile.facilityStatus = status
        return profile
    }

    static func router(_ sides: [Int]?, thickness: String? = "40", materials: [String] = ["birch plywood", "MDF"]) -> Equipment {
        Equipment(kind: .cncRouting, name: "router", workingArea: sides.flatMap(Millimetres.init), materials: materials,
                  maxThickness: thickness.flatMap(DecimalAmount.init(parsing:)))
    }

    @Test func routerBedBigEnoughTurnedOrNot() throws {
        let verdict = FabricationMatch.judge(try Self.lab("A", equipment: [Self.router([1250, 2500])]), needs: [Self.wallBlock], distanceKM: nil, builds: 0)
        #expect(verdict.isIn && verdict.coverage == 1)
        #expect(verdict.needs[0].verdict.reason.contains("1250 × 2500 mm ≥ 2440 × 1220 mm"))
        let small = FabricationMatch.judge(try Self.lab("B", equipment: [Self.router([600, 840])]), needs: [Self.wallBlock], distanceKM: nil, builds: 0)
        #expect(!small.isIn)
        #expect(small.needs[0].verdict == .missing("cnc-routing: router (600 × 840 mm) — 600 × 840 mm < 2440 × 1220 mm; takes 40 mm ≥ 18 mm; takes plywood ✗"))
    }

    @Test func thicknessAndMaterial() throws {
        let thin = FabricationMatch.judge(try Self.lab("A", equipment: [Self.router([2500, 1250], thickness: "12")]), needs: [Self.wallBlock], distanceKM: nil, builds: 0)
        #expect(thin.needs[0].verdict.isMissing && thin.needs[0].verdict.reason.contains("at most 12 mm < 18 mm"))
        let metal = FabricationMatch.judge(try Self.lab("B", equipment: [Self.router([2500, 1250], materials: ["aluminium"])]), needs: [Self.wallBlock],
                                           distanceKM: nil, builds: 0)
        #expect(metal.needs[0].verdict.isMissing && metal.needs[0].verdict.reason.contains("takes aluminium, not plywood"))
        // The best of several machines decides.
        let two = FabricationMatch.judge(try Self.lab("C", equipment: [Self.router([600, 840]), Self.router([3100, 2100])]), needs: [Self.wallBlock],
                                         distanceKM: nil, builds: 0)
        #expect(two.isIn && two.needs[0].verdict.reason.contains("3100 × 2100 mm"))
    }

    @Test func unconfirmedIsLikelyNotMissing() throws {
        // No working area, no thickness, no materials: nothing contradicts, nothing confirms.
        let vague = FabricationMatch.judge(try Self.lab("A", equipment: [Self.router(nil, thickness: nil, materials: [])]), needs: [Self.wallBlock],
                                           distanceKM: nil, builds: 0)
        guard case .likely = vague.needs[0].verdict else { Issue.record("\(vague.needs[0].verdict)"); return }
        #expect(vague.isIn && vague.coverage == 0.5)
        // Materials in stock confirm a machine that lists none.
        let stocked = FabricationMatch.judge(try Self.lab("B", equipment: [Self.router([2500, 1250], materials: [])], materials: ["Spruce Plywood 18 mm"]),
                                             needs: [Self.wallBlock], distanceKM: nil, builds: 0)
        #expect(stocked.needs[0].verdict.reason.contains("plywood in stock") && stocked.coverage == 1)
        // A listed process covers a need without sizes; with sizes it is likely.
        let listed = FabricationMatch.judge(try Self.lab("C", processes: [.woodworking, .cncRouting]),
                                            needs: [FabricationNeed(process: .woodworking), Self.wallBlock], distanceKM: nil, builds: 0)
        #expect(listed.needs.map { if case .covered = $0.verdict { "covered" } else if case .likely = $0.verdict { "likely" } else { "missing" } } == ["covered", "likely"])
        let none = FabricationMatch.judge(try Self.lab("D"), needs: [FabricationNeed(process: .welding)], distanceKM: nil, builds: 0)
        #expect(none.needs[0].verdict == .missing("welding: no such machine or process ✗"))
    }

    @Test func closedOrPlannedLabsAreOut() throws {
        for status in [FacilityStatus.closed, .planned, .temporaryClosure] {
            let verdict = FabricationMatch.judge(try Self.lab("A", equipment: [Self.router([3000, 2000])], status: status), needs: [Self.wallBlock],
                                                 distanceKM: 1, builds: 3)
            #expect(!verdict.isIn && verdict.exclusion != nil)
        }
    }

    @Test func orderBuildsThenCoverageThenDistanceThenAccess() throws {
        let big = Self.router([3000, 2000])
        let verdicts = [
            FabricationMatch.judge(try Self.lab("near, members", equipment: [big], access: .membership), needs: [Self.wallBlock], distanceKM: 5, builds: 0),
            FabricationMatch.judge(try Self.lab("far, built it", equipment: [big]), needs: [Self.wallBlock], distanceKM: 300, builds: 2),
            FabricationMatch.judge(try Self.lab("near, public", equipment: [big], access: .public), needs: [Self.wallBlock], distanceKM: 5, builds: 0),
            FabricationMatch.judge(try Self.lab("nearest, unconfirmed", equipment: [Self.router(nil)]), needs: [Self.wallBlock], distanceKM: 1, builds: 0),
            FabricationMatch.judge(try Self.lab("too small", equipment: [Self.router([500, 500])]), needs: [Self.wallBlock], distanceKM: 0, builds: 5),
            FabricationMatch.judge(try Self.lab("unknown place", equipment: [big]), needs: [Self.wallBlock], distanceKM: nil, builds: 0),
            FabricationMatch.judge(try Self.lab("middle", equipment: [big]), needs: [Self.wallBlock], distanceKM: 50, builds: 0),
        ]
        #expect(FabricationMatch.rank(verdicts).map(\.profile.name)
                == ["far, built it", "near, public", "near, members", "middle", "unknown place", "nearest, unconfirmed", "too small"])
    }

    @Test func materialsFoldCaseAndAccents() {
        #expect(FabricationMatch.materialsMatch("Birch Plywood", "plywood"))
        #expect(FabricationMatch.materialsMatch("Aluminium", "ALUMINIUM"))
        #expect(FabricationMatch.materialsMatch("Lärchenholz", "larchenholz"))
        #expect(!FabricationMatch.materialsMatch("steel", "plywood"))
    }
}
