import Foundation
import Hummingbird
import SlipwayCore
import SlipwayStore

/// Custom hosts (`slipway domains`) and maintenance mode (`slipway maintenance`): stored, then
/// handed to the router at once; no release, no rollout, the replicas are untouched.
struct DomainController: Sendable {
    let store: SlipwayStore
    let edge: AppEdge
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/apps/:app/domains") { _, context in
            let app = try existingApp(context.parameters.require("app"))
            return try JSONResponse.make(try list(app))
        }
        router.post("/v1/apps/:app/domains") { request, context in
            let app = try existingApp(context.parameters.require("app"))
            let body = try await JSONResponse.decode(DomainRequest.self, from: request)
            let host = try DomainName(body.host, builtInDomain: configuration.domain)
            let service = try body.service.map { try checkedService($0, of: app) }
            if configuration.engine == .kubernetes {
                throw SlipwayError.invalidRequest("custom domains are served by the local router; with --engine kubernetes, route them with the cluster's Ingress")
            }
            if let owner = try store.addDomain(host, app: app, service: service) {
                throw SlipwayError.conflict("\(host) already routes to the app \(owner); remove it there first (`slipway domains remove \(owner) \(host)`)")
            }
            try await edge.sync(app)
            return try JSONResponse.make(try list(app), status: .created)
        }
        router.delete("/v1/apps/:app/domains") { request, context in
            let app = try existingApp(context.parameters.require("app"))
            guard let raw = request.uri.queryParameters.get("host") else {
                throw SlipwayError.invalidRequest("say which host to remove with ?host=HOST")
            }
            let host = try DomainName(String(raw))
            guard try store.removeDomain(host, app: app) else {
                let hosts = try store.domains(of: app).map(\.host.value)
                throw SlipwayError.notFound("\(app) has no domain \(host) (it has: \(hosts.isEmpty ? "none" : hosts.joined(separator: ", ")))")
            }
            try await edge.sync(app)
            edge.retireCertificates(of: [host.value])
            return try JSONResponse.make(try list(app))
        }
        router.get("/v1/apps/:app/maintenance") { _, context in
            let app = try existingApp(context.parameters.require("app"))
            return try JSONResponse.make(try maintenance(app))
        }
        router.put("/v1/apps/:app/maintenance") { request, context in
            let app = try existingApp(context.parameters.require("app"))
            let body = try await JSONResponse.decode(MaintenanceRequest.self, from: request, allowEmpty: true)
            try MaintenanceRequest.validate(message: body?.message)
            try MaintenanceRequest.validate(retryAfterSeconds: body?.retryAfterSeconds)
            try store.setMaintenance(app: app, message: body?.message, retryAfterSeconds: body?.retryAfterSeconds)
            try await edge.sync(app)
            return try JSONResponse.make(try maintenance(app))
        }
        router.delete("/v1/apps/:app/maintenance") { _, context in
            let app = try existingApp(context.parameters.require("app"))
            try store.clearMaintenance(app: app)
            try await edge.sync(app)
            return try JSONResponse.make(try maintenance(app))
        }
    }

    func existingApp(_ raw: String) throws -> AppName {
        let name = try DNSLabel(raw)
        guard try store.app(name) != nil else {
            throw SlipwayError.notFound("no app named \(name); `slipway apps` lists them, `slipway deploy` creates one")
        }
        return name
    }

    /// A service the app's current release has (any valid name before its first release).
    private func checkedService(_ raw: String, of app: AppName) throws -> String {
        let service = try DNSLabel(raw, kind: "service name").value
        if let release = try store.currentRelease(of: app), !release.services.contains(where: { $0.name == service }) {
            let names = release.services.map(\.name).joined(separator: ", ")
            throw SlipwayError.invalidRequest("\(app) has no service \(service) (its services: \(names))")
        }
        return service
    }

    func list(_ app: AppName) throws -> DomainList {
        DomainList(app: app.value, domains: try Self.views(try store.domains(of: app), configuration))
    }

    func maintenance(_ app: AppName) throws -> MaintenanceView {
        let record = try store.maintenance(of: app).first
        return MaintenanceView(app: app.value, enabled: record != nil, message: record?.message, since: record?.since,
                               retryAfterSeconds: record.map { $0.retryAfterSeconds ?? MaintenanceRequest.defaultRetryAfterSeconds })
    }

    static func views(_ records: [DomainRecord], _ configuration: ServerConfiguration) throws -> [DomainView] {
        records.map { record in
            DomainView(host: record.host.value, app: record.app.value, service: record.service,
                       url: configuration.hostURL(record.host.value), createdAt: record.createdAt)
        }
    }
}
