import Foundation
import Hummingbird
import SlipwayCore

extension Dashboard {
    /// What the apps page's rows show, sent again whenever it changed.
    struct AppsState: Encodable {
        var apps: [AppSummary]
    }

    /// What the app page's live parts show: its status, current release, services and replicas,
    /// releases, config vars (nil before the first release), events.
    struct AppState: Encodable {
        var status: String
        var release: Int?
        var services: [AppDetail.Service]
        var releases: [AppDetail.ReleaseRow]
        var config: [AppDetail.ConfigRow]?
        var events: [AppDetail.EventRow]
    }

    /// Server-Sent Events that keep the apps page (`/live`, every 10 s, and at once when the server
    /// says apps changed: `Configuration.appsChanged`) and an app's page (`/apps/APP/live`, every
    /// 5 s: replicas, releases, config vars, events) up to date: the state is read through the API
    /// and sent as a `state` event when it changed since the last one.
    func addLiveRoutes(to router: Router<BasicRequestContext>) {
        router.get("/live") { request, context in
            try await liveStream(request, to: "follow the apps") {
                LiveState.response(every: .seconds(10), wakeUps: appsChanged?()) {
                    AppsState(apps: try await appSummaries(request: request, context: context))
                }
            }
        }
        router.get("/apps/:app/live") { request, context in
            let path = "/v1/apps/\(Self.pathComponent(try context.parameters.require("app")))"
            return try await liveStream(request, to: "follow the app") {
                // Answers 404 now, as a page, for an app that does not exist.
                _ = try await api.get(AppView.self, path, as: request, context: context)
                return LiveState.response(every: .seconds(5)) {
                    let app = try await api.get(AppView.self, path, as: request, context: context)
                    let releases = try await api.get(ReleaseList.self, path + "/releases", as: request, context: context).releases
                    // An app without a release has no config (the API answers 404).
                    let config = app.currentRelease == nil ? nil : try await api.get(ConfigView.self, path + "/config", as: request, context: context)
                    let events = try await api.get(EventList.self, path + "/events?tail=50", as: request, context: context).events
                    return AppState(status: AppSummary.status(app, latest: app.lastDeploy), release: app.currentRelease,
                                    services: AppDetail.services(app), releases: AppDetail.releases(releases),
                                    config: config.map { AppDetail.config($0) }, events: AppDetail.events(events))
                }
            }
        }
    }
}

/// A state read again and again, sent as an event when it changed: every `interval`, and when
/// `wakeUps` signals (at most once a second). Every round writes something (the state or a
/// comment), so a closed tab is noticed within one round and the loop ends.
enum LiveState {
    /// However often woken, a stream reads the state at most this often.
    static let quietTime = Duration.seconds(1)

    static func response<State: Encodable & Sendable>(every interval: Duration, wakeUps: AsyncStream<Void>? = nil,
                                                      read: @escaping @Sendable () async throws -> State) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
            let (rounds, round) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        round.yield()
                        try await Task.sleep(for: interval)
                    }
                }
                if let wakeUps {
                    group.addTask { for await _ in wakeUps { round.yield() } }
                }
                var last = Data()
                for await _ in rounds {
                    // The app may be gone (destroyed) or the API may refuse for a while: the page keeps what it shows.
                    if let state = try? await read(), let json = try? Timestamp.encoder().encode(state), json != last {
                        try await writer.write(ByteBuffer(string: "event: state\ndata: \(String(decoding: json, as: UTF8.self))\n\n"))
                        last = json
                    } else {
                        try await writer.write(ByteBuffer(string: ": unchanged\n\n"))
                    }
                    try await Task.sleep(for: quietTime)
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }
}
