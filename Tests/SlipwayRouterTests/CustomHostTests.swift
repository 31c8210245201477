import NIOCore
import Testing

@testable import SlipwayRouter

/// Custom hosts and maintenance pages in the route table (RouterEdgeTests sends real requests).
@Suite struct CustomHostTests {
    let web = [Backend(port: 8001)]
    let api = [Backend(port: 8002)]

    func table() -> RouteTable {
        let table = RouteTable(domain: "apps.example.com")
        table.setRoutes(app: "shop", services: ["web": web, "api": api], defaultService: "web")
        table.setRoutes(app: "blog", services: ["web": [Backend(port: 9001)]], defaultService: "web")
        return table
    }

    @Test func exactHostsGoToTheDefaultOrTheNamedService() {
        let table = table()
        table.setCustomHosts(app: "shop", [CustomHost(host: "shop.example.com"), CustomHost(host: "api.example.com", service: "api")])
        #expect(table.resolve(host: "shop.example.com") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "SHOP.Example.com.:8080") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "api.example.com") == .service(app: "shop", service: "api", backends: api))
        #expect(table.resolve(host: "www.shop.example.com") == .unknownHost)
        // The built-in names still work beside them.
        #expect(table.resolve(host: "shop.apps.example.com") == .service(app: "shop", service: "web", backends: web))

        table.setCustomHosts(app: "shop", [])
        #expect(table.resolve(host: "shop.example.com") == .unknownHost)
    }

    @Test func wildcardsCoverEveryNameBelowAndExactOrLongerOnesWin() {
        let table = table()
        table.setCustomHosts(app: "shop", [CustomHost(host: "*.shop.example.com")])
        table.setCustomHosts(app: "blog", [CustomHost(host: "blog.shop.example.com"), CustomHost(host: "*.eu.shop.example.com")])
        let blog = [Backend(port: 9001)]
        #expect(table.resolve(host: "a.shop.example.com") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "x.y.shop.example.com") == .service(app: "shop", service: "web", backends: web))
        #expect(table.resolve(host: "blog.shop.example.com") == .service(app: "blog", service: "web", backends: blog))
        #expect(table.resolve(host: "de.eu.shop.example.com") == .service(app: "blog", service: "web", backends: blog))
        // A wildcard does not cover its base name itself, nor a name that merely ends like it.
        #expect(table.resolve(host: "shop.example.com") == .unknownHost)
        #expect(table.resolve(host: "evilshop.example.com") == .unknownHost)
        #expect(table.resolve(host: "[::1]") == .unknownHost)
    }

    @Test func builtInNamesWinOverACustomHost() {
        let table = table()
        table.setCustomHosts(app: "blog", [CustomHost(host: "shop.apps.example.com")])
        #expect(table.resolve(host: "shop.apps.example.com") == .service(app: "shop", service: "web", backends: web))
    }

    @Test func hostsOfAnAppWithoutBackendsAnswer503NotUnknown() {
        let table = RouteTable()
        table.setCustomHosts(app: "later", [CustomHost(host: "later.example.com")])
        #expect(table.resolve(host: "later.example.com") == .noBackends(app: "later", service: ""))
        table.setCustomHosts(app: "shop", [CustomHost(host: "shop.example.com", service: "missing")])
        table.setRoutes(app: "shop", services: ["web": web], defaultService: "web")
        #expect(table.resolve(host: "shop.example.com") == .noBackends(app: "shop", service: "missing"))
    }

    @Test func maintenanceCoversEveryHostOfTheAppAndNoOther() {
        let table = table()
        table.setCustomHosts(app: "shop", [CustomHost(host: "shop.example.com"), CustomHost(host: "*.shop.example.com")])
        table.setMaintenance(app: "shop", MaintenancePage(app: "shop", message: "back at 5"))
        for host in ["shop.apps.example.com", "api.shop.apps.example.com", "shop.example.com", "x.shop.example.com"] {
            #expect(table.resolve(host: host) == .maintenance(app: "shop"), "\(host)")
        }
        #expect(table.resolve(host: "blog.apps.example.com") == .service(app: "blog", service: "web", backends: [Backend(port: 9001)]))
        // Backends are kept meanwhile (the replicas are untouched), and serve again once it is off.
        #expect(table.backends(app: "shop", service: "web") == web)
        table.setMaintenance(app: "shop", nil)
        #expect(table.resolve(host: "shop.example.com") == .service(app: "shop", service: "web", backends: web))
    }

    @Test func maintenanceAnswersEvenWithNothingDeployed() {
        let table = RouteTable()
        table.setMaintenance(app: "soon", MaintenancePage(app: "soon", message: nil))
        #expect(table.resolve(host: "soon.localhost") == .maintenance(app: "soon"))
    }

    @Test func removingAnAppsBackendsKeepsItsHostsForTheServerToClear() {
        let table = table()
        table.setCustomHosts(app: "shop", [CustomHost(host: "shop.example.com")])
        table.removeApp("shop")
        #expect(table.resolve(host: "shop.example.com") == .noBackends(app: "shop", service: ""))
        table.setCustomHosts(app: "shop", [])
        #expect(table.resolve(host: "shop.example.com") == .unknownHost)
    }

    @Test func theMaintenancePageEscapesTheMessage() {
        let page = MaintenancePage(app: "shop", message: "<script>alert('x')</script> & \"more\"\nline two")
        let html = String(buffer: page.body)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;\nline two"))
        #expect(String(buffer: MaintenancePage(app: "shop", message: nil).body).contains("shop is down for maintenance"))
    }
}
