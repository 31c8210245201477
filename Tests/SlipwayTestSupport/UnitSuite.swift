import Foundation

/// `scripts/test.sh --unit` runs the suites that need no Podman, registry or kmock, and sets
/// SLIPWAY_UNIT_SUITE=1. A suite that starts one of those anyway fails with what to do, so the
/// list of integration suites in scripts/test.sh cannot silently fall behind.
package enum UnitSuite {
    package static var isRunning: Bool { ProcessInfo.processInfo.environment["SLIPWAY_UNIT_SUITE"] == "1" }

    package static func refuse(_ component: String) throws {
        guard isRunning else { return }
        throw TestFailure("this suite starts \(component), which the unit suite runs without: add it to integration_suites in scripts/test.sh")
    }
}
