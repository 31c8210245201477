import Foundation
import Hummingbird
import Mustache

/// The dashboard's templates, compiled once at start from the copies embedded in the binary.
/// `{{value}}` escapes HTML; the templates never use the unescaped forms.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// Template names and their text, as built into the binary (SwiftPM's `embedInCode`).
    static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "signin": PackageResources.signin_mustache,
        "error": PackageResources.error_mustache,
        "apps": PackageResources.apps_mustache,
        "app": PackageResources.app_mustache,
        "deploy": PackageResources.deploy_mustache,
        "logs": PackageResources.logs_mustache,
        "metrics": PackageResources.metrics_mustache,
        "appnav": PackageResources.appnav_mustache,
    ]

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    func render(_ name: String, _ view: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(view, withTemplate: name) ?? "template \(name) is missing"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The stylesheet and script, built into the binary and served under /assets/ to anyone (they hold
/// nothing secret), so the sign-in page has them too.
enum Assets {
    static func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/assets/dashboard.css") { _, _ in file(PackageResources.dashboard_css, type: "text/css; charset=utf-8") }
        router.get("/assets/dashboard.js") { _, _ in file(PackageResources.dashboard_js, type: "text/javascript; charset=utf-8") }
        router.get("/assets/observe.css") { _, _ in file(PackageResources.observe_css, type: "text/css; charset=utf-8") }
        router.get("/assets/live.js") { _, _ in file(PackageResources.live_js, type: "text/javascript; charset=utf-8") }
        router.get("/assets/deploy.js") { _, _ in file(PackageResources.deploy_js, type: "text/javascript; charset=utf-8") }
        router.get("/assets/app.js") { _, _ in file(PackageResources.app_js, type: "text/javascript; charset=utf-8") }
        router.get("/assets/logs.js") { _, _ in file(PackageResources.logs_js, type: "text/javascript; charset=utf-8") }
        router.get("/assets/metrics.js") { _, _ in file(PackageResources.metrics_js, type: "text/javascript; charset=utf-8") }
        router.get("/assets/icon.svg") { _, _ in file(PackageResources.icon_svg, type: "image/svg+xml") }
        // Browsers ask for it whatever the page says.
        router.get("/favicon.ico") { _, _ in file(PackageResources.icon_svg, type: "image/svg+xml") }
    }

    static func file(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
