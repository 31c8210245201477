import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayRouter
@testable import SlipwayServer
import SlipwayStore
import SlipwayTestSupport
import Testing

/// Custom domains and maintenance mode through the API, as the router's table then has them
/// (RouterEdgeTests checks what the router answers from such a table).
@Suite("Domains and maintenance")
struct DomainAPITests {
    @Test("a domain added routes to the app at once, is listed with its URL, and goes when removed")
    func addListRemove() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            let added = try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "Shop.Example.com."}"#)
            #expect(added.status == 201, "\(added.body)")
            let list = try added.decode(DomainList.self)
            #expect(list.domains.map(\.host) == ["shop.example.com"])
            #expect(list.domains.first?.url == "http://shop.example.com:7080/")
            #expect(server.routeTable.resolve(host: "shop.example.com") == .noBackends(app: "shop", service: ""))

            let wildcard = try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "*.shop.example.com", "service": "web"}"#)
            #expect(wildcard.status == 201, "\(wildcard.body)")
            #expect(server.routeTable.resolve(host: "eu.shop.example.com") == .noBackends(app: "shop", service: "web"))

            let app = try await server.get("/v1/apps/shop").decode(AppView.self)
            #expect(app.domains?.map(\.url) == ["http://*.shop.example.com:7080/", "http://shop.example.com:7080/"])

            let removed = try await server.request(.delete, "/v1/apps/shop/domains?host=shop.example.com")
            #expect(removed.status == 200)
            #expect(try removed.decode(DomainList.self).domains.map(\.host) == ["*.shop.example.com"])
            #expect(server.routeTable.resolve(host: "shop.example.com") == .unknownHost)
        }
    }

    @Test("a host another app has is refused with 409 naming the owner, and still routes to the owner")
    func oneOwner() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            _ = try await server.deploy("blog")
            #expect(try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "shop.example.com"}"#).status == 201)
            let taken = try await server.request(.post, "/v1/apps/blog/domains", body: #"{"host": "SHOP.example.com"}"#)
            #expect(taken.status == 409)
            #expect(taken.errorCode == "conflict")
            #expect(taken.errorMessage?.contains("the app shop") == true)
            #expect(server.routeTable.resolve(host: "shop.example.com") == .noBackends(app: "shop", service: ""))
            #expect(try await server.get("/v1/apps/blog/domains").decode(DomainList.self).domains.isEmpty)
            // blog cannot remove shop's host either.
            #expect(try await server.request(.delete, "/v1/apps/blog/domains?host=shop.example.com").status == 404)
            #expect(server.routeTable.resolve(host: "shop.example.com") == .noBackends(app: "shop", service: ""))
        }
    }

    static let badHosts: [(host: String, says: String)] = [
        ("", "is empty"),
        ("127.0.0.1", "IP address"),
        ("[::1]", "IP address"),
        ("::1", "IP address"),
        ("localhost", "localhost"),
        ("admin.localhost", "localhost"),
        ("*.localhost", "localhost"),
        ("intranet", "single label"),
        ("*.com", "top-level domain"),
        ("http://shop.example.com/", "URL"),
        ("shop.example.com:8443", "port"),
        ("shop..example.com", "empty label"),
        (".shop.example.com", "empty label"),
        ("-shop.example.com", "'-'"),
        ("shop_1.example.com", "letters, digits"),
        ("shop example.com", "letters, digits"),
        ("shop.example.com\r\nX-Injected: 1", "letters, digits"),
        ("<script>.example.com", "letters, digits"),
        ("bücher.example.com", "punycode"),
        ("a.*.example.com", "only the first label"),
        ("*.*.example.com", "only the first label"),
        (String(repeating: "a", count: 64) + ".example.com", "longer than 63"),
        (Array(repeating: "abcdefghi", count: 26).joined(separator: ".") + ".com", "longer than 253"),
    ]

    @Test("hostile hosts get a 400 saying what is wrong, and change nothing")
    func badHostsAreRefused() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            for (host, says) in Self.badHosts {
                let body = String(decoding: try JSONEncoder().encode(DomainRequest(host: host)), as: UTF8.self)
                let answer = try await server.request(.post, "/v1/apps/shop/domains", body: body)
                #expect(answer.status == 400, "\(host.debugDescription): \(answer.status) \(answer.body)")
                #expect(answer.errorCode == "invalid_domain", "\(host.debugDescription): \(answer.body)")
                #expect(answer.errorMessage?.contains(says) == true, "\(host.debugDescription): \(answer.errorMessage ?? answer.body)")
                #expect(answer.errorMessage?.unicodeScalars.contains("\r") == false, "\(answer.body)")
            }
            #expect(try await server.get("/v1/apps/shop/domains").decode(DomainList.self).domains.isEmpty)
            #expect(server.routeTable.snapshot.hosts.isEmpty && server.routeTable.snapshot.wildcards.isEmpty)
        }
    }

    @Test("names under --domain, and wildcards covering them, are refused: APP.DOMAIN stays built in")
    func builtInNamesAreRefused() async throws {
        try await InProcessServer.with(configure: { $0.domain = "apps.example.com" }) { server in
            _ = try await server.deploy("shop")
            for host in ["apps.example.com", "blog.apps.example.com", "*.apps.example.com", "*.x.apps.example.com", "*.example.com"] {
                let answer = try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "\#(host)"}"#)
                #expect(answer.status == 400 && answer.errorMessage?.contains("APP.apps.example.com") == true, "\(host): \(answer.body)")
            }
            // Beside it is fine.
            #expect(try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "*.shop.example.com"}"#).status == 201)
        }
    }

    @Test("a service the app does not have is refused")
    func unknownService() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            let answer = try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "shop.example.com", "service": "admin"}"#)
            #expect(answer.status == 400)
            #expect(answer.errorMessage?.contains("has no service admin") == true, "\(answer.body)")
            #expect(server.routeTable.resolve(host: "shop.example.com") == .unknownHost)
        }
    }

    @Test("maintenance on puts every host of the app in maintenance in the router; off serves again")
    func maintenance() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            _ = try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "shop.example.com"}"#)
            let on = try await server.request(.put, "/v1/apps/shop/maintenance", body: #"{"message": "Back at <b>5</b>"}"#)
            #expect(on.status == 200)
            #expect(try on.decode(MaintenanceView.self).enabled)
            #expect(server.routeTable.resolve(host: "shop.localhost") == .maintenance(app: "shop"))
            #expect(server.routeTable.resolve(host: "shop.example.com") == .maintenance(app: "shop"))
            #expect(server.routeTable.snapshot.route(forHost: "shop.example.com")?.maintenance?.message == "Back at <b>5</b>")
            let app = try await server.get("/v1/apps/shop").decode(AppView.self)
            #expect(app.maintenance?.message == "Back at <b>5</b>")
            // The replicas are not touched: no rollout, no stop.
            #expect(await server.engine.calls.filter { !$0.hasPrefix("build") && !$0.contains(" v1") }.isEmpty)

            let tooLong = try await server.request(.put, "/v1/apps/shop/maintenance", body: #"{"message": "\#(String(repeating: "x", count: 1001))"}"#)
            #expect(tooLong.status == 400)
            #expect(server.routeTable.snapshot.route(forHost: "shop.example.com")?.maintenance?.message == "Back at <b>5</b>")

            #expect(try on.decode(MaintenanceView.self).retryAfterSeconds == 120)
            #expect(server.routeTable.snapshot.route(forHost: "shop.example.com")?.maintenance?.retryAfterSeconds == 120)
            // Retry-After is the operator's to set, within a day; a bad one changes nothing.
            for bad in ["0", "-5", "86401", "\"soon\"", "1.5"] {
                let refused = try await server.request(.put, "/v1/apps/shop/maintenance", body: #"{"message": "later", "retryAfterSeconds": \#(bad)}"#)
                #expect(refused.status == 400, "\(bad): \(refused.body)")
            }
            #expect(server.routeTable.snapshot.route(forHost: "shop.example.com")?.maintenance?.message == "Back at <b>5</b>")
            let longer = try await server.request(.put, "/v1/apps/shop/maintenance", body: #"{"message": "an hour", "retryAfterSeconds": 3600}"#)
            #expect(try longer.decode(MaintenanceView.self).retryAfterSeconds == 3600, "\(longer.body)")
            #expect(server.routeTable.snapshot.route(forHost: "shop.example.com")?.maintenance?.retryAfterSeconds == 3600)

            let off = try await server.request(.delete, "/v1/apps/shop/maintenance")
            #expect(try off.decode(MaintenanceView.self).enabled == false)
            #expect(server.routeTable.resolve(host: "shop.example.com") == .noBackends(app: "shop", service: ""))
        }
    }

    @Test("domains and maintenance survive a restart; destroying the app removes them and frees the host")
    func restartAndDestroy() async throws {
        let data = try DataDirectory()
        defer { data.remove() }
        try await InProcessServer.with(store: try data.store("edge.sqlite"), dataDirectory: data.url) { server in
            _ = try await server.deploy("shop")
            _ = try await server.request(.post, "/v1/apps/shop/domains", body: #"{"host": "*.shop.example.com"}"#)
            _ = try await server.request(.put, "/v1/apps/shop/maintenance", body: #"{"message": "moving", "retryAfterSeconds": 900}"#)
        }
        try await InProcessServer.with(store: try data.store("edge.sqlite"), dataDirectory: data.url) { server in
            #expect(server.routeTable.resolve(host: "a.shop.example.com") == .maintenance(app: "shop"))
            #expect(try await server.get("/v1/apps/shop/maintenance").decode(MaintenanceView.self).message == "moving")
            #expect(server.routeTable.snapshot.route(forHost: "a.shop.example.com")?.maintenance?.retryAfterSeconds == 900)

            #expect(try await server.request(.delete, "/v1/apps/shop").status == 200)
            #expect(server.routeTable.resolve(host: "a.shop.example.com") == .unknownHost)
            #expect(server.routeTable.resolve(host: "shop.localhost") == .unknownHost)
            #expect(try server.store.domains().isEmpty && server.store.maintenance().isEmpty)
            _ = try await server.deploy("blog")
            #expect(try await server.request(.post, "/v1/apps/blog/domains", body: #"{"host": "*.shop.example.com"}"#).status == 201)
        }
    }
}
