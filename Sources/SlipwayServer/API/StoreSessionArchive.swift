import Foundation
import SlipwayDashboard
import SlipwayStore

/// The dashboard's sessions kept in the store (hashed), so a restart signs no one out.
struct StoreSessionArchive: DashboardSessionArchive {
    let store: SlipwayStore

    func saveDashboardSession(idHash: String, expires: Date) throws { try store.saveDashboardSession(idHash: idHash, expires: expires) }
    func deleteDashboardSession(idHash: String) throws { try store.deleteDashboardSession(idHash: idHash) }
    func dashboardSessions(now: Date) throws -> [(idHash: String, expires: Date)] { try store.dashboardSessions(now: now) }
}
