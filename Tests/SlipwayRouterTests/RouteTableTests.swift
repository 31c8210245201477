import Testing

@testable import SlipwayRouter

@Suite struct RouteTableTests {
    @Test func resolvesHostsUnderTheDomain() {
        let table = RouteTable(domain: "apps.example.com")
        let web = [Backend(port: 8001), Backend(port: 8002)]
        table.setRoutes(app: "shop", services: ["web": web, "worker": []], defaultService: "web")

        #expect(table.resolve(host: "shop.apps.example.com") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "Shop.Apps.Example.COM:443") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "web.shop.apps.example.com.") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "worker.shop.apps.example.com") == .noBackends(app: "shop", service: "worker"))
        #expect(table.resolve(host: "other.apps.example.com") == .unknownHost)
        #expect(table.resolve(host: "shop.localhost") == .unknownHost)
        #expect(table.resolve(host: "apps.example.com") == .unknownHost)
        #expect(table.resolve(host: "[::1]:80") == .unknownHost)
        #expect(table.apps == ["shop"])
        #expect(table.backends(app: "shop", service: "web") == web)

        table.removeApp("shop")
        #expect(table.resolve(host: "shop.apps.example.com") == .unknownHost)
        #expect(table.apps.isEmpty)
    }

    @Test func appWithoutDefaultServiceIsOnlyReachableByService() {
        let table = RouteTable()
        table.setRoutes(app: "jobs", services: ["api": [Backend(port: 9000)]], defaultService: nil)
        #expect(table.resolve(host: "jobs.localhost") == .unknownHost)
        #expect(table.resolve(host: "api.jobs.localhost") == .service(app: "jobs", service: "api", backends: [Backend(port: 9000)]))
    }
}
