import Foundation
import Hummingbird
import SlipwayCore
@testable import SlipwayServer
import SlipwayTestSupport
import Testing

/// Add-ons through the API with the in-memory engine (a test double): what the app's config gets,
/// what the API shows, and that bad input changes nothing. SlipwayIntegrationTests' AddonTests
/// run real Postgres and Redis on Podman.
@Suite("Add-ons API")
struct AddonAPITests {
    @Test("postgres with --name: the app gets DATABASE_URL and DB_URL as secrets in a new release; the API shows it redacted")
    func createSetsSecretConfig() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            let answer = try await server.request(.post, "/v1/apps/shop/addons", body: #"{"type": "postgres", "name": "db"}"#)
            #expect(answer.status == 202, "\(answer.body)")
            let created = try answer.decode(AddonCreated.self)
            #expect(created.addon.configKeys == ["DATABASE_URL", "DB_URL"])
            #expect(created.addon.connection == "postgres://slipway:***@db:5432/slipway")
            #expect(created.addon.version == "15" && created.addon.image == "postgres:15" && created.addon.state == "running")
            let deploy = try await server.waitForDeploy(created.traceId)
            #expect(deploy.status == .completed)

            let config = try await server.get("/v1/apps/shop/config").decode(ConfigView.self)
            #expect(config.config["DATABASE_URL"] == Secrets.redacted && config.config["DB_URL"] == Secrets.redacted)
            #expect(config.secretKeys.contains("DATABASE_URL"))
            // The replicas get the real URL, with the password the add-on was made with.
            let running = try #require(server.engine.current("shop")?.config?["DATABASE_URL"])
            let spec = try #require(await server.engine.addons["shop"]?["db"])
            #expect(running == "postgres://slipway:\(spec.password)@db:5432/slipway")
            #expect(spec.password.count == 32)
            #expect(!answer.body.contains(spec.password))

            let list = try await server.get("/v1/apps/shop/addons")
            #expect(try list.decode(AddonList.self).addons.map(\.name) == ["db"])
            #expect(!list.body.contains(spec.password))
            let info = try await server.get("/v1/apps/shop/addons/db")
            #expect(try info.decode(AddonView.self).connection.contains("***"))
            #expect(!info.body.contains(spec.password))
        }
    }

    @Test("bad input is a 4xx that says what was wrong, and changes nothing", arguments: [
        (#"{"type": "mysql"}"#, 400, "unknown add-on type"),
        (#"{"type": "postgres", "version": "9"}"#, 400, "version \"9\" is not available"),
        (#"{"type": "redis", "name": "Bad_Name"}"#, 400, "add-on name"),
        (#"{"type": "postgres"}"#, 409, "already has an add-on named postgres"),
        (#"{"type": "redis", "name": "cache"}"#, 409, "already has REDIS_URL set"),
        (#"{"type": "postgres", "name": "main"}"#, 409, "already has MAIN_URL set"),
    ])
    func badInput(body: String, status: Int, says: String) async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            _ = try await server.change(.patch, "/v1/apps/shop/config", body: #"{"set": {"REDIS_URL": "redis://by-hand:6379", "MAIN_URL": "x"}}"#)
            let first = try await server.request(.post, "/v1/apps/shop/addons", body: #"{"type": "postgres"}"#)
            _ = try await server.waitForDeploy(try first.decode(AddonCreated.self).traceId)
            let releasesBefore = try await server.get("/v1/apps/shop/releases").body
            let addonsBefore = await server.engine.addons["shop"]?.keys.sorted()

            let answer = try await server.request(.post, "/v1/apps/shop/addons", body: body)
            #expect(answer.status == status, "\(answer.body)")
            #expect(answer.errorMessage?.contains(says) == true, "\(answer.errorMessage ?? answer.body)")
            #expect(try await server.get("/v1/apps/shop/releases").body == releasesBefore)
            #expect(await server.engine.addons["shop"]?.keys.sorted() == addonsBefore)
            #expect(try await server.get("/v1/apps/shop/addons").decode(AddonList.self).addons.map(\.name) == ["postgres"])
        }
    }

    @Test("an engine that cannot start the add-on: 502 with its reason, no record, no release")
    func engineFailureLeavesNothing() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            await server.engine.fail(.addon, message: "image postgres:15 is missing")
            let answer = try await server.request(.post, "/v1/apps/shop/addons", body: #"{"type": "postgres"}"#)
            #expect(answer.status == 502)
            #expect(answer.errorMessage?.contains("image postgres:15 is missing") == true)
            #expect(try await server.get("/v1/apps/shop/addons").decode(AddonList.self).addons.isEmpty)
            #expect(try await server.get("/v1/apps/shop/releases").decode(ReleaseList.self).releases.count == 1)
            #expect(await server.engine.calls.contains("removeAddon shop postgres"))
        }
    }

    @Test("destroy removes the add-on, keeps its volume unless asked, and unsets its keys in a release")
    func destroy() async throws {
        try await InProcessServer.with { server in
            _ = try await server.deploy("shop")
            let created = try await server.request(.post, "/v1/apps/shop/addons", body: #"{"type": "redis"}"#).decode(AddonCreated.self)
            _ = try await server.waitForDeploy(created.traceId)
            let answer = try await server.request(.delete, "/v1/apps/shop/addons/redis")
            #expect(answer.status == 200, "\(answer.body)")
            let destroyed = try answer.decode(AddonDestroyed.self)
            #expect(destroyed.volumesKept == ["memory-volume-redis"] && destroyed.volumesRemoved.isEmpty)
            let deploy = try await server.waitForDeploy(try #require(destroyed.traceId))
            #expect(deploy.status == .completed)
            #expect(try await server.get("/v1/apps/shop/config").decode(ConfigView.self).config["REDIS_URL"] == nil)
            #expect(try await server.get("/v1/apps/shop/addons").decode(AddonList.self).addons.isEmpty)
            #expect(try await server.request(.delete, "/v1/apps/shop/addons/redis").status == 404)
        }
    }

    @Test("--addon-image picks the image of a kind's default version, or of the version named")
    func addonImages() throws {
        let images = try AddonImages(assignments: ["postgres=localhost/pg:15", "redis:6=localhost/redis:6"])
        #expect(images.image(.postgres, version: "15") == "localhost/pg:15")
        #expect(images.image(.postgres, version: "16") == "postgres:16")
        #expect(images.image(.redis, version: "6") == "localhost/redis:6")
        #expect(images.image(.redis, version: "7") == "redis:7")
        #expect(throws: SlipwayError.self) { try AddonImages(assignments: ["mysql=x"]) }
        #expect(throws: SlipwayError.self) { try AddonImages(assignments: ["postgres:9=x"]) }
        #expect(throws: SlipwayError.self) { try AddonImages(assignments: ["postgres=bad image\nRUN x"]) }
    }
}
